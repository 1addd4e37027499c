"""Fixtures of the url-shortener grader tests. ``app`` comes from kata's pytest plugin."""

from __future__ import annotations

import pytest

from kata.testing import GradedApp

from ._client import Api


@pytest.fixture
def api(app: GradedApp, request: pytest.FixtureRequest) -> Api:
    """The shortener for one test; its URLs and aliases are seeded by the run's seed and the
    test."""
    return Api(app, salt=request.node.nodeid)
