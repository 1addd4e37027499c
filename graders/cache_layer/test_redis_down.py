"""redis-down: the cache is optional. With Redis stopped the API answers every request
(slower, from the upstream) without a 5xx, and it caches again once Redis is back."""

from __future__ import annotations

import time

from kata.testing import GradedApp, requirement

from ._client import Api, expect, json_of

MAX_ANSWER_S = 5.0  # each answer while Redis is down (the upstream takes 0.2 s)
RECOVERY_S = 15.0  # after Redis is back, caching resumes within this


def answer_in_time(api: Api, started: float, what: str) -> None:
    took = time.perf_counter() - started
    assert took <= MAX_ANSWER_S, (f"{what} took {took:.1f} s with Redis down: expected an "
                                  f"answer within {MAX_ANSWER_S:g} s (time Redis out fast)")


@requirement("redis-down")
def test_the_api_answers_without_redis_and_caches_again_after(app: GradedApp,
                                                              api: Api) -> None:
    cached = api.cold()
    api.check_record(api.get(cached), cached, why="before Redis is stopped")
    api.check_record(api.get(cached), cached, why="before Redis is stopped (a hit)")
    with app.outage("cache"):
        fresh = api.cold()
        for pid, currency, what in ((cached, "USD", "cached before Redis stopped"),
                                    (fresh, "EUR", "never read before"),
                                    (fresh, "EUR", "read once, with Redis down")):
            started = time.perf_counter()
            r = api.get(pid, currency)
            api.check_record(r, pid, currency, why=f"Redis is stopped; the product was {what}")
            answer_in_time(api, started, f"GET /products/{pid}?currency={currency}")
        change = {"name": f"Offline {api.rng.randrange(16**8):08x}", "price": 9.5}
        started = time.perf_counter()
        r = api.http.put(f"/products/{fresh}", json=change)
        expect(r, 200, why="Redis is stopped: the write goes to the upstream all the same")
        answer_in_time(api, started, f"PUT /products/{fresh}")
        body = json_of(r)
        assert isinstance(body, dict) and body.get("name") == change["name"], (
            f"PUT /products/{fresh} with Redis stopped → expected the updated record named "
            f"{change['name']!r}, got {r.text[:160]}")
        api.check_record(api.get(fresh, "EUR"), fresh, "EUR",
                         why="Redis is stopped, right after a PUT changed the product")
    # Redis is back (kata waited until it answers PING): the app must use it again.
    deadline = time.monotonic() + RECOVERY_S
    tried = 0
    while True:
        pid = api.cold()
        for n in range(2):
            api.check_record(api.get(pid), pid, why=f"Redis is back; GET number {n + 1}")
        tried += 1
        calls = api.upstream.calls(pid)
        if calls == 1:
            break
        assert time.monotonic() < deadline, (
            f"Redis has been back for {RECOVERY_S:g} s, but two GETs of a product still "
            f"reach the upstream twice ({tried} products tried): reconnect to Redis after "
            f"an outage and cache again")
        time.sleep(0.5)
    app.measure(f"caching again after {tried} product(s) once Redis was back")
