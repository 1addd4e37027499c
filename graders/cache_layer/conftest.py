"""Fixtures of the cache-layer grader tests. ``app`` comes from kata's pytest plugin."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kata.testing import GradedApp

from ._client import Api, Upstream


@pytest.fixture
def upstream(app: GradedApp) -> Iterator[Upstream]:
    admin = Upstream(app)
    yield admin
    admin.close()


@pytest.fixture
def api(app: GradedApp, upstream: Upstream, request: pytest.FixtureRequest) -> Api:
    """The product API for one test; its products are drawn by the run's seed and the test."""
    return Api(app, upstream, salt=request.node.nodeid)
