"""Fixtures of the task-scheduler grader tests. ``app`` comes from kata's pytest plugin."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kata.testing import GradedApp

from ._client import Api, Hooks


@pytest.fixture
def hooks(app: GradedApp) -> Iterator[Hooks]:
    admin = Hooks(app)
    yield admin
    admin.close()


@pytest.fixture
def api(app: GradedApp, hooks: Hooks, request: pytest.FixtureRequest) -> Api:
    """The task API for one test; its hook paths and keys are drawn by the run's seed."""
    return Api(app, hooks, salt=request.node.nodeid)
