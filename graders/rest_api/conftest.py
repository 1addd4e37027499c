"""Fixtures of the rest-api grader tests. ``app`` comes from kata's pytest plugin."""

from __future__ import annotations

import pytest

from kata.testing import GradedApp

from ._client import Items


@pytest.fixture
def items(app: GradedApp, request: pytest.FixtureRequest) -> Items:
    """A client for /items whose test data is seeded by the run's seed and the test."""
    return Items(app, salt=request.node.nodeid)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the restart test last: an app that does not come back up then costs only
    `persistence`, not every requirement whose tests would have run after it."""

    def restarts(item: pytest.Item) -> bool:
        marker = item.get_closest_marker("requirement")
        return marker is not None and marker.args[0] == "persistence"

    items.sort(key=restarts)
