from __future__ import annotations

import pytest

from app.__main__ import main
from app.slug import slugify


@pytest.mark.parametrize(("title", "slug"), [
    ("Hello, World!", "hello-world"),
    ("  spaces   everywhere ", "spaces-everywhere"),
    ("Crème Brûlée, 2 ways", "creme-brulee-2-ways"),
    ("日本語", ""),
])
def test_slugify(title, slug):
    assert slugify(title) == slug


def test_a_long_title_is_cut_at_a_word_boundary():
    slug = slugify("word " * 30, max_length=12)
    assert slug == "word-word"


def test_the_cli_prints_the_slug(capsys):
    assert main(["Hello", "World"]) == 0
    assert capsys.readouterr().out == "hello-world\n"


def test_the_cli_without_words_exits_2(capsys):
    assert main([]) == 2
    assert "usage" in capsys.readouterr().err
