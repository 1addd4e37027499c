"""hit: a repeated GET is served from the cache, so it never waits for the upstream."""

from __future__ import annotations

import statistics

from kata.testing import GradedApp, requirement

from ._client import Api

PRODUCTS_TIMED = 5  # misses timed, each on a product of its own
HITS_EACH = 2  # hits timed per product
MAX_RATIO = 0.25  # a hit's median at most this much of a miss's (spec.md)


@requirement("hit")
def test_a_repeated_get_is_a_fast_hit(app: GradedApp, api: Api) -> None:
    misses: list[float] = []
    hits: list[float] = []
    for _ in range(PRODUCTS_TIMED):
        pid = api.cold()
        r, ms = api.timed_get(pid, "EUR")
        first = api.check_record(r, pid, "EUR", why="the first GET: a miss")
        misses.append(ms)
        for n in range(HITS_EACH):
            r, ms = api.timed_get(pid, "EUR")
            again = api.check_record(r, pid, "EUR", why=f"GET number {n + 2}: a hit")
            assert again == first, f"the cached answer {again} differs from the first {first}"
            hits.append(ms)
        calls = api.upstream.calls(pid)
        assert calls == 1, (
            f"GET /products/{pid}?currency=EUR {1 + HITS_EACH} times in a row reached the "
            f"upstream {calls} times: expected once (the first GET, a miss), then answers "
            f"from Redis")
    hit, miss = statistics.median(hits), statistics.median(misses)
    app.measure(f"hit median {hit:.1f} ms, miss median {miss:.1f} ms", hit_ms=round(hit, 1),
                miss_ms=round(miss, 1))
    assert hit <= MAX_RATIO * miss, (
        f"a hit's median time {hit:.1f} ms is over {MAX_RATIO:g} × a miss's ({miss:.1f} ms): "
        f"a cached answer must not wait for anything slow (read it from Redis and answer)")
