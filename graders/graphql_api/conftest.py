"""Fixtures of the graphql-api grader tests. ``app`` comes from kata's pytest plugin."""

from __future__ import annotations

import pytest

from kata.testing import GradedApp

from ._client import GraphQL


@pytest.fixture
def gql(app: GradedApp, request: pytest.FixtureRequest) -> GraphQL:
    """A client for /graphql whose test data is seeded by the run's seed and the test."""
    return GraphQL(app, salt=request.node.nodeid)
