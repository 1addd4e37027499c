"""stampede: many concurrent misses of one key reach the upstream at most twice."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx

from kata.testing import GradedApp, describe, requirement

from ._client import Api, matches

CROWD = 50
MAX_CALLS = 2


@requirement("stampede")
def test_concurrent_misses_make_one_upstream_call(app: GradedApp, api: Api) -> None:
    pid = api.cold()
    want = api.upstream.record(pid, "EUR")
    gate = threading.Barrier(CROWD, timeout=30)
    with app.clients(CROWD) as clients:  # a client per request, not one shared by threads

        def one(_: int) -> httpx.Response:
            with clients.one() as client:
                gate.wait()  # all released together on the cold key
                return api.get(pid, "EUR", client=client)

        with ThreadPoolExecutor(CROWD) as pool:
            answers = list(pool.map(one, range(CROWD)))
    calls = api.upstream.calls(pid)
    app.measure(f"{CROWD} concurrent GETs → {calls} upstream call(s)", upstream_calls=calls)
    wrong = [r for r in answers if not matches(r, want)]
    assert not wrong, (f"{len(wrong)} of {CROWD} concurrent GET /products/{pid}?currency=EUR "
                       f"did not answer 200 with the record {want}, e.g. "
                       f"{describe(wrong[0])}")
    assert calls <= MAX_CALLS, (
        f"{CROWD} concurrent GET /products/{pid}?currency=EUR (not cached) made {calls} calls "
        f"to the upstream: expected at most {MAX_CALLS}; let one request fetch while the "
        f"others wait for its answer")
