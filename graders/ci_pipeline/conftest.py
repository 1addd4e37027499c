"""Fixtures of the ci-pipeline grader tests: the learner's workflows, read through
``app.files`` (bounded, nothing outside the repository). ``app`` comes from kata's plugin."""

from __future__ import annotations

import pytest

from kata.testing import GradedApp

from ._workflow import Workflow, ci_workflow, load_all


@pytest.fixture
def workflows(app: GradedApp) -> list[Workflow]:
    if app.files is None:  # kata's own setup, not the learner's failure
        raise RuntimeError("kata graded no repository: app.files is None")
    return load_all(app.files)


@pytest.fixture
def ci(workflows: list[Workflow]) -> Workflow:
    return ci_workflow(workflows)
