"""cache: redirects are served from Redis. kata stops the database: a link resolved once
before still answers its redirect (a read from the database would fail). Of the ways to
observe a cache, this one judges behaviour only: no key names, value formats or query
counts the spec would have to impose (an UPDATE … RETURNING resolves and counts in one
statement, so counting the app's SELECTs would judge nothing)."""

from __future__ import annotations

import time

import httpx

from kata.testing import GradedApp, describe, requirement, said

from ._client import Api, answered

MAX_ANSWER_S = 3.0


@requirement("cache")
def test_a_resolved_link_redirects_with_the_database_down(app: GradedApp, api: Api) -> None:
    url = api.url()
    code = api.create(url)["code"]
    first = api.follow(code)
    answered(first, why="resolving the link once, the database up")
    answered(api.follow(code), why="the same link again, the database up")
    want = (first.status_code, first.headers.get("location"))
    with app.outage("db"):
        started = time.monotonic()
        try:
            r = api.follow(code)
        except httpx.HTTPError as e:
            raise AssertionError(
                f"GET /{code} with the database stopped (resolved before) → no answer "
                f"after {time.monotonic() - started:.1f} s ({type(e).__name__}): serve a "
                f"resolved link from Redis, and time the click's database write out") from None
        took = time.monotonic() - started
        app.measure(f"redirect with the database down: {r.status_code} in {took:.2f} s",
                    seconds=round(took, 2))
        got = (r.status_code, r.headers.get("location"))
        assert got == want, (
            f"{said(r)} with the database stopped → expected the same answer as before "
            f"({want[0]}, Location: {want[1]}), got {describe(r)} (Location: {got[1]}): "
            f"read the link from Redis before the database")
        assert took <= MAX_ANSWER_S, (
            f"{said(r)} with the database stopped took {took:.1f} s: expected the redirect "
            f"within {MAX_ANSWER_S:g} s (a click that cannot be counted must not hold it)")
