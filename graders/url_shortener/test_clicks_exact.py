"""clicks-exact: 1,000 concurrent redirects of one link count 1,000 clicks (no lost
update). kata bounds its own concurrency (50 requests in flight), so the load is the same
on every machine and every answer arrives."""

from __future__ import annotations

import queue
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
    # One client per request in flight, each used by one thread at a time: a client shared
    # by 50 threads lost one request in a thousand to its own pool ("Bad file descriptor"),
    # kata's failure shown as the app's.
    clients = [app.client() for _ in range(IN_FLIGHT)]
    free: queue.SimpleQueue[httpx.Client] = queue.SimpleQueue()
    for c in clients:
        free.put(c)

    def one(_: int) -> httpx.Response | str:
        client = free.get()
        try:
            return api.follow(code, client=client)
        except httpx.HTTPError as e:
            return f"{type(e).__name__}: {e}"
        finally:
            free.put(client)

    started = time.monotonic()
    try:
        with ThreadPoolExecutor(IN_FLIGHT) as pool:
            answers = list(pool.map(one, range(CLICKS)))
    finally:
        for c in clients:
            c.close()
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
