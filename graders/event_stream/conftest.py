"""Fixtures of the event-stream grader tests. ``app`` comes from kata's pytest plugin."""

from __future__ import annotations

import pytest

from kata.testing import GradedApp

from ._client import Stream


@pytest.fixture
def stream(app: GradedApp, request: pytest.FixtureRequest) -> Stream:
    """kata's producer for one test: fresh keys drawn by the run's seed and the test."""
    return Stream(app, salt=request.node.nodeid)
