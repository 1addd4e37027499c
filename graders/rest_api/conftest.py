"""Fixtures of the rest-api grader tests. ``app`` comes from kata's pytest plugin."""

from __future__ import annotations

import pytest

from kata.testing import GradedApp

from ._client import Items


@pytest.fixture
def items(app: GradedApp, request: pytest.FixtureRequest) -> Items:
    """A client for /items whose test data is seeded by the run's seed and the test."""
    return Items(app, salt=request.node.nodeid)

