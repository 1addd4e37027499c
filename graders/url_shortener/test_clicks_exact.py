"""clicks-exact: 1,000 concurrent redirects of one link count 1,000 clicks (no lost
update). kata bounds its own concurrency (50 requests in flight), so the load is the same
on every machine and every answer arrives."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import httpx

from kata.testing import GradedApp, describe, requirement

from ._client import Api

CLICKS = 1000
IN_FLIGHT = 50


@requirement("clicks-exact")
def test_concurrent_clicks_are_all_counted(app: GradedApp, api: Api) -> None:
    code = api.create()["code"]
    with app.clients(IN_FLIGHT) as clients:  # a client per request in flight (not shared)

        def one(_: int) -> httpx.Response | str:
            with clients.one() as client:
                try:
                    return api.follow(code, client=client)
                except httpx.HTTPError as e:
                    return f"{type(e).__name__}: {e}"

        started = time.monotonic()
        with ThreadPoolExecutor(IN_FLIGHT) as pool:
            answers = list(pool.map(one, range(CLICKS)))
    took = time.monotonic() - started
    failed = [a for a in answers if isinstance(a, str) or a.status_code >= 400]
    if failed:
        first = failed[0]
        shown = first if isinstance(first, str) else describe(first)
        raise AssertionError(f"{len(failed)} of {CLICKS} concurrent GET /{code} were not "
                             f"served (expected 302), e.g. {shown}")
    clicks = api.clicks(code, why=f"after {CLICKS} concurrent redirects")
    app.measure(f"{CLICKS} redirects, {IN_FLIGHT} at a time, in {took:.1f} s → clicks "
                f"{clicks}", clicks=clicks, seconds=round(took, 2))
    assert clicks == CLICKS, (
        f"{CLICKS} concurrent GET /{code} ({IN_FLIGHT} at a time), all served → expected "
        f"clicks {CLICKS}, got {clicks}: {CLICKS - clicks} lost. Increment in one atomic "
        f"statement (UPDATE … SET clicks = clicks + 1), not read, add one and write back")
