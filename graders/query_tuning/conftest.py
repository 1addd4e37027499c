"""Fixtures of the query-tuning grader tests. ``app`` comes from kata's pytest plugin."""

from __future__ import annotations

import pytest

from kata.testing import GradedApp

from ._db import Db


@pytest.fixture
def db(app: GradedApp) -> Db:
    """kata's own session in the app's database: answers, statements, plans."""
    return Db(app)
