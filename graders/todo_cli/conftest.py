"""Fixtures of the todo-cli grader tests. ``app`` comes from kata's pytest plugin."""

from __future__ import annotations

import pytest

from kata.testing import GradedApp

from ._cli import Todo


@pytest.fixture
def todo(app: GradedApp, request: pytest.FixtureRequest) -> Todo:
    """The learner's CLI; titles are seeded by the run's seed and the test's name."""
    return Todo(app, salt=request.node.nodeid)


@pytest.fixture
def fresh_todo(app: GradedApp, request: pytest.FixtureRequest) -> Todo:
    """The learner's CLI with every run in a new container: only /data carries over."""
    return Todo(app, salt=request.node.nodeid, fresh=True)
