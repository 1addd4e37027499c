"""fast-fail and recovery: kata stops the inventory service (docker stop: its name no longer
resolves) and freezes it (docker pause: it accepts connections and never answers). The
gateway must answer 503 within 2 s either way, keep serving the catalogue, and take orders
again within 10 s of the inventory's return, without being restarted."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import httpx

from kata.testing import GradedApp, json_of, requirement, said

from ._client import INVENTORY, Shop, check_order, client_of, timed

FAST_S = 2.0  # the gateway's answer while the inventory is down or hangs
RECOVERY_S = 10.0  # orders succeed again within this once it is back
UP_S = 20.0  # the inventory answers again after kata started it (before the next fault)
CLIENT_S = 6.0  # kata's own patience per request: beyond it, the app hung


def up(shop: Shop, pid: str) -> None:
    """The inventory answers before a test begins (kata may have just started it again
    after the previous test: its process takes a moment to listen)."""
    assert shop.stock_answers(pid, UP_S), (
        f"GET /stock/{pid} did not answer 200 within {UP_S:g} s of the inventory's start")


@contextmanager
def frozen(app: GradedApp) -> Iterator[None]:
    """The inventory paused for the block (fault injection), resumed on leaving."""
    began = time.monotonic()
    app.services[INVENTORY].freeze()
    app.notes.append(f"kata froze the service {INVENTORY!r} (docker pause)")
    try:
        yield
    finally:
        app.services[INVENTORY].thaw()
        app.notes.append(f"kata resumed {INVENTORY!r} after {time.monotonic() - began:.1f} s")


def fast_503(client: httpx.Client, method: str, path: str, body: object, state: str) -> None:
    r, took, error = timed(lambda: client.request(method, path, json=body))
    what = f"{method} {path}" + (f" {body}" if body else "")
    assert r is not None, (f"{what} with the inventory {state} → {error} after {took:.1f} s: "
                           f"expected 503 within {FAST_S:g} s (a timeout on the call downstream)")
    assert r.status_code == 503, (f"{said(r)} with the inventory {state} → expected 503, got "
                                  f"{r.status_code} {r.text[:120]} after {took:.1f} s")
    assert took <= FAST_S, (f"{said(r)} with the inventory {state} → 503 after {took:.1f} s: "
                            f"expected it within {FAST_S:g} s (a shorter timeout downstream)")


def catalogue_answers(client: httpx.Client, state: str) -> None:
    r, _, error = timed(lambda: client.get("/products"))
    got = error if r is None else f"{r.status_code} {r.text[:120]}"
    assert r is not None and r.status_code == 200 and isinstance(json_of(r), list), (
        f"GET /products with the inventory {state} → expected 200 with the products "
        f"(the catalogue does not need the inventory), got {got}")


@requirement("fast-fail")
def test_orders_and_stock_get_503_fast_while_the_inventory_is_down_or_hangs(
        app: GradedApp) -> None:
    shop = Shop(app)
    pid = shop.product("fast-fail")
    up(shop, pid)
    shop.set_stock(pid, 100)
    with client_of(app, CLIENT_S) as client:
        # Frozen first, while it surely listens (a stop needs no such state).
        for state, fault in (("frozen", frozen(app)), ("stopped", app.outage(INVENTORY))):
            with fault:
                fast_503(client, "POST", "/orders", {"product_id": pid, "quantity": 1}, state)
                fast_503(client, "GET", f"/stock/{pid}", None, state)
                catalogue_answers(client, state)


def orders_again(app: GradedApp, shop: Shop, pid: str, state: str) -> float:
    """Seconds until an order succeeds once the inventory is back (fails past RECOVERY_S)."""
    began = time.monotonic()
    last = ""
    with client_of(app, CLIENT_S) as client:
        while time.monotonic() - began < RECOVERY_S:
            r, _, error = timed(lambda: shop.order(pid, 1, client))
            if r is not None and r.status_code == 201:
                check_order(r, pid, 1)
                return time.monotonic() - began
            last = error or (f"{r.status_code} {r.text[:120]}" if r is not None else "")
            time.sleep(0.5)
    raise AssertionError(
        f"the inventory was {state} and is back: POST /orders still failed "
        f"{RECOVERY_S:g} s later (last: {last}); try the downstream again on each request "
        "rather than remembering its failure, without a restart")


@requirement("recovery")
def test_orders_succeed_again_soon_after_the_inventory_returns(app: GradedApp) -> None:
    shop = Shop(app)
    pid = shop.product("recovery")
    up(shop, pid)
    shop.set_stock(pid, 100)
    check_order(shop.order(pid, 1), pid, 1)
    with client_of(app, CLIENT_S) as client:
        # each fault ends when an order succeeds again: the next starts with it up
        for state, fault in (("frozen", frozen(app)), ("stopped", app.outage(INVENTORY))):
            with fault:
                # the gateway sees the failures it must not hold on to: through the order
                # service, and on its own route to the inventory (stock reads). Sent at once:
                # a breaker counts them the same, and one after another each waited for the
                # gateway's downstream timeout (or kata's CLIENT_S, with none): ~9 s to 36 s
                calls = ([lambda: shop.order(pid, 1, client)] * 3
                         + [lambda: client.get(f"/stock/{pid}")] * 3)
                with ThreadPoolExecutor(len(calls)) as pool:
                    list(pool.map(timed, calls))
            seconds = orders_again(app, shop, pid, state)
            app.measure(f"orders again {seconds:.1f} s after the inventory was {state} and back")
            left = max(RECOVERY_S - seconds, 1.0)
            assert shop.stock_answers(pid, left), (
                f"the inventory was {state} and is back: GET /stock/{pid} still failed "
                f"{RECOVERY_S:g} s later; try the downstream again on each request rather "
                "than remembering its failure, without a restart")
