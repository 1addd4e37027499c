"""Fixtures of the k8s-deploy grader tests: the learner's manifests under k8s/, read through
``app.files`` (bounded, nothing outside the repository). ``app`` comes from kata's plugin."""

from __future__ import annotations

import pytest

from kata.testing import GradedApp

from ._manifests import Doc, load_all


@pytest.fixture
def docs(app: GradedApp) -> list[Doc]:
    if app.files is None:  # kata's own setup, not the learner's failure
        raise RuntimeError("kata graded no repository: app.files is None")
    return load_all(app.files)
