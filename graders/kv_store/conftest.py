"""Fixtures of the kv-store grader tests. ``app`` comes from kata's pytest plugin.

``kv`` is a raw RESP connection (exact reply types, bytes sent as-is); ``r`` is redis-py,
the client a learner's users would reach for; ``key`` makes key names no other test uses.
Each test's connections are closed when it ends.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from kata.testing import GradedApp

from ._resp import CappedParser, Conn


def redis_client(app: GradedApp, timeout_s: float = 5.0) -> redis.Redis:
    """redis-py speaking RESP2 (redis-py 8 would open with HELLO 3), no retries."""
    client = redis.Redis(host=app.host, port=app.port, protocol=2, driver_info=None,
                         socket_timeout=timeout_s, socket_connect_timeout=timeout_s,
                         retry=Retry(NoBackoff(), 0))
    # its replies read with kata's caps: a server announcing 2 GB must not get it
    client.connection_pool.connection_kwargs["parser_class"] = CappedParser
    return client


@pytest.fixture
def kv(app: GradedApp) -> Iterator[Conn]:
    conn = Conn(app)
    yield conn
    conn.close()


@pytest.fixture
def r(app: GradedApp) -> Iterator[redis.Redis]:
    client = redis_client(app)
    yield client
    client.close()


@pytest.fixture
def key(app: GradedApp, request: pytest.FixtureRequest) -> Callable[[str], str]:
    """``key("name")`` → ``kata:<n>:name``, seeded by the run's seed and the test."""
    token = app.rng(request.node.nodeid).randrange(10**8)
    return lambda name: f"kata:{token}:{name}"
