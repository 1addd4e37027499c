"""Fixtures of the oauth-login grader tests. ``app`` comes from kata's pytest plugin.

``provider`` is kata's own client of the provider (discovery, test controls); ``browser``
makes browsers, each with its own cookies; ``user`` makes provider accounts, seeded by the
run's seed and the test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from kata.testing import GradedApp

from ._oidc import Browser, Provider, User


@pytest.fixture
def provider(app: GradedApp) -> Iterator[Provider]:
    idp = Provider(app)
    yield idp
    idp.close()


@pytest.fixture
def browser(app: GradedApp, provider: Provider) -> Iterator[Callable[[], Browser]]:
    made: list[Browser] = []

    def new() -> Browser:
        made.append(Browser(app, provider))
        return made[-1]

    yield new
    for b in made:
        b.close()


@pytest.fixture
def user(app: GradedApp, request: pytest.FixtureRequest) -> Callable[[str], User]:
    rng = app.rng(request.node.nodeid)

    def new(name: str = "ada") -> User:
        tag = f"{rng.randrange(16**8):08x}"
        return User(sub=f"{name}-{tag}", email=f"{name}.{tag}@example.test")

    return new
