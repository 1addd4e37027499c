"""The learner's files as graders read them: bounded, and never outside the repository."""

from __future__ import annotations

import pytest

from kata.repofiles import MAX_LISTED, FileTooLarge, RepoFiles


def test_a_file_is_read_as_text_and_a_missing_one_is_none(tmp_path):
    (tmp_path / "a.yml").write_bytes(b"name: \xff ok\n")
    files = RepoFiles(tmp_path)
    assert files.read("a.yml") == "name: \ufffd ok\n"
    assert files.read("missing.yml") is None
    assert files.read(".") is None  # a folder is not a file


def test_nothing_outside_the_repository_is_reached(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    (tmp_path / "secret").write_text("host secret")
    (repo / "link").symlink_to(tmp_path / "secret")
    (repo / "dirlink").symlink_to(tmp_path)
    files = RepoFiles(repo)
    assert files.read("link") is None
    assert files.read("../secret") is None
    assert files.read("dirlink/secret") is None
    assert files.glob("*") == []  # both links lead out: not listed


def test_a_read_and_a_listing_are_bounded(tmp_path):
    (tmp_path / "big.md").write_text("x" * 101)
    files = RepoFiles(tmp_path)
    assert files.read("big.md", max_bytes=101) == "x" * 101
    with pytest.raises(FileTooLarge, match="larger than 100 bytes"):
        files.read("big.md", max_bytes=100)
    for i in range(MAX_LISTED + 5):
        (tmp_path / f"f{i:05}.txt").write_text("")
    listed = files.glob("*.txt")
    assert len(listed) == MAX_LISTED and listed[0] == "f00000.txt"
