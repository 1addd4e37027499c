"""Fixtures of the system-design grader tests: the learner's DESIGN.md, read through
``app.files`` (bounded, nothing outside the repository). ``app`` comes from kata's plugin."""

from __future__ import annotations

import posixpath

import pytest

from kata.repofiles import FileTooLarge
from kata.testing import GradedApp

from ._design import DOCUMENT, Document


def document_path(app: GradedApp) -> str:
    if app.files is None:  # kata's own setup, not the learner's failure
        raise RuntimeError("kata graded no repository: app.files is None")
    return posixpath.normpath(posixpath.join(app.files.context, DOCUMENT))


@pytest.fixture
def design(app: GradedApp) -> Document:
    path = document_path(app)
    assert app.files is not None
    try:
        text = app.files.read(path)
    except FileTooLarge:
        raise AssertionError(f"{path} is over 1 MB: kata reads at most 1 MB") from None
    if text is None:
        folder = posixpath.dirname(path)
        others = app.files.glob(posixpath.join(folder, "*.md") if folder else "*.md")
        seen = f" (Markdown files there: {', '.join(others[:10])})" if others else ""
        raise AssertionError(f"there is no {path}{seen}: the design must be in {DOCUMENT} "
                             "at the root of the exercise's folder")
    app.evidence = {"file": path}
    return Document(text)
