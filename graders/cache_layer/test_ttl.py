"""ttl: every key the app keeps in Redis expires, within CACHE_TTL_S."""

from __future__ import annotations

from kata.testing import GradedApp, requirement, trim

from ._client import MAX_KEYS, Api, redis_keys


@requirement("ttl")
def test_every_key_has_a_ttl_within_the_limit(app: GradedApp, api: Api) -> None:
    limit_ms = int(app.env["CACHE_TTL_S"]) * 1000
    before = redis_keys(app)
    pid = api.cold()
    api.check_record(api.get(pid, "GBP"), pid, "GBP", why="a miss, to be cached")
    after = redis_keys(app)
    new = sorted(set(after) - set(before))
    if len(after) < MAX_KEYS:
        assert new, (f"GET /products/{pid}?currency=GBP (a miss) added no key to Redis "
                     f"(REDIS_URL): cache each answer in a key of its own")
    endless = [k for k, t in after.items() if t == -1]
    assert not endless, (
        f"{len(endless)} key(s) in Redis have no TTL, e.g. {trim(repr(endless[0]), 120)} "
        f"(TTL -1): set each with an expiry (SET key value EX seconds)")
    too_long = [(k, t) for k, t in after.items() if t > limit_ms]
    assert not too_long, (
        f"the key {trim(repr(too_long[0][0]), 120)} expires in {too_long[0][1] / 1000:.0f} s: "
        f"a TTL must be at most CACHE_TTL_S = {limit_ms // 1000} s")
