"""tests/hostile/home/graders/ holds grader tests of the hostile exercise: kata's contract
stage runs them (its pytest has that folder as rootdir); the outer test run must not."""

from __future__ import annotations

from pathlib import Path

GRADERS = Path(__file__).parent / "home" / "graders"


def pytest_ignore_collect(collection_path: Path, config) -> bool | None:
    if collection_path.is_relative_to(GRADERS) and not config.rootpath.is_relative_to(GRADERS):
        return True
    return None
