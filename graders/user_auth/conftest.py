"""Fixtures of the user-auth grader tests. ``app`` comes from kata's pytest plugin."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kata.testing import GradedApp

from ._client import Api


@pytest.fixture
def api(app: GradedApp, request: pytest.FixtureRequest) -> Iterator[Api]:
    """The accounts API for one test; its emails and passwords are seeded by the run's
    seed and the test."""
    api = Api(app, salt=request.node.nodeid)
    try:
        yield api
    finally:
        api.close()
