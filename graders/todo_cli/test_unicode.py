"""Titles in any script come back byte for byte."""

import unicodedata

from kata.testing import requirement

from ._cli import Todo, command

TITLES = [
    "café crème brûlée",
    "🎉 party 🥳 with 👩‍👩‍👧 family",
    "買い物リスト 牛乳",
    "Ελληνικά και русский",
    "שלום עולם",
    "e\u0301 (e + combining acute) ≠ é",
    "“quotes” — dashes … ✓ ☃",
]


@requirement("unicode")
def test_titles_in_any_script_round_trip(todo: Todo):
    suffix = todo.title("")
    titles = [t + suffix for t in TITLES]
    ids = todo.add(*titles)
    listed = todo.by_id()
    for id_, title in zip(ids, titles):
        item = listed.get(id_)
        if item is not None and item.title != title:
            normalised = unicodedata.normalize("NFC", title) == item.title
            nfc = " (it was normalised)" if normalised else ""
            raise AssertionError(
                f"`{command(['add', title])}` then `todo list` shows {item.title!r}; expected "
                f"{title!r} byte for byte{nfc}")
        todo.expect_listed(listed, id_, title, done=False, after=f"`{command(['add', title])}`")

