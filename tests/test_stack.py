"""kata.stack: which stack a repository's files name, read safely; which tip it gets."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kata.catalog.models import Requirement
from kata.stack import MAX_BYTES, NAMES, STACKS, detect, read_bounded, tip_for


def _repo(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    return tmp_path


@pytest.mark.parametrize(("files", "stack"), [
    ({"requirements.txt": "fastapi==0.110\nuvicorn[standard]\n"}, "fastapi"),
    ({"pyproject.toml": '[project]\ndependencies = ["Flask>=3"]\n'}, "flask"),
    ({"requirements.txt": "Django==5.0\npsycopg[binary]\n"}, "django"),
    ({"requirements.txt": "flask-cors\n"}, "python"),  # an extension's name is not Flask
    ({"Pipfile": "[packages]\nrequests = '*'\n"}, "python"),
    ({"package.json": '{"dependencies": {"express": "^4.19.0", "pg": "^8"}}'}, "express"),
    ({"package.json": '{"dependencies": {"@nestjs/core": "^10", "express": "^4"}}'}, "nest"),
    ({"package.json": '{"name": "todo", "bin": "todo.js"}'}, "node"),
    ({"package.json": "not json {"}, "node"),
    ({"go.mod": "module example.com/kv\n\ngo 1.19\n"}, "go"),
    ({"Cargo.toml": "[package]\nname = \"kv\"\n"}, "rust"),
    ({"pom.xml": "<project/>"}, "java"),
    ({"build.gradle.kts": "plugins { java }"}, "java"),
    ({"Dockerfile": "FROM debian\n", "main.sh": "echo hi"}, None),
])
def test_detect_names_the_stack_from_the_files(tmp_path, files, stack):
    assert detect(_repo(tmp_path, files)) == stack


def test_the_first_folder_that_names_a_stack_wins(tmp_path):
    root = _repo(tmp_path, {"package.json": '{"dependencies": {"express": "4"}}'})
    (root / "server").mkdir()
    (root / "server" / "go.mod").write_text("module x\n")
    assert detect(root / "server", root) == "go"
    assert detect(root / "missing", root) == "express"


def test_a_symlink_is_not_followed(tmp_path):
    secret = tmp_path / "outside.txt"
    secret.write_text("fastapi")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "requirements.txt").symlink_to(secret)
    assert read_bounded(repo / "requirements.txt") is None
    assert detect(repo) is None


def test_a_fifo_does_not_block_and_a_folder_is_not_read(tmp_path):
    os.mkfifo(tmp_path / "go.mod")  # opening a FIFO to read would wait for a writer
    (tmp_path / "Cargo.toml").mkdir()
    assert detect(tmp_path) is None


def test_only_the_first_bytes_are_read(tmp_path):
    (tmp_path / "requirements.txt").write_text("x" * MAX_BYTES + "\nfastapi\n")
    assert len(read_bounded(tmp_path / "requirements.txt") or "") == MAX_BYTES
    assert detect(tmp_path) == "python"  # fastapi lies past the bound, unread


def test_tip_for_prefers_the_stack_then_its_family():
    tips = {"fastapi": "raise HTTPException", "python": "any Python", "go": "w.WriteHeader"}
    assert tip_for(tips, "fastapi") == "raise HTTPException"
    assert tip_for(tips, "flask") == "any Python"
    assert tip_for(tips, "go") == "w.WriteHeader"
    assert tip_for(tips, "express") == ""
    assert tip_for(tips, None) == ""


def test_every_stack_has_a_name_and_a_known_family():
    assert set(NAMES) == set(STACKS)
    assert all(family is None or family in STACKS for family in STACKS.values())


def test_a_requirement_refuses_tips_for_an_unknown_stack():
    with pytest.raises(ValueError, match="unknown stacks"):
        Requirement(id="x", title="t", points=1, grader="contract", tips={"fastapy": "typo"})
