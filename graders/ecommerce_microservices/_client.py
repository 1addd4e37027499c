"""What the ecommerce-microservices grader tests share: the shop's API through the gateway
(the only service kata talks to), and answers checked with messages that say what was sent,
what was expected and what came back. Everything the unit answers is the learner's."""

from __future__ import annotations

import time
from typing import Any

import httpx

from kata.testing import GradedApp, expect, is_int, json_of, said

INVENTORY = "inventory"  # the service kata stops and freezes (spec.md)


def check_stock(r: httpx.Response, pid: str, why: str = "") -> int:
    """GET /stock/{pid} answered 200 {product_id, quantity}: the quantity."""
    expect(r, 200, why=why)
    body = json_of(r)
    qty = body.get("quantity") if isinstance(body, dict) else None
    assert is_int(qty), (f"{said(r)} → expected {{\"product_id\": {pid!r}, \"quantity\": "
                         f"<integer>}}, got {r.text[:160]}")
    return int(qty)


def client_of(app: GradedApp, timeout_s: float) -> httpx.Client:
    """Another client of the app (recording evidence as ``app.http`` does) that gives up
    after ``timeout_s``: kata's own bound on a request to an app that may hang."""
    client = app.client()
    client.timeout = httpx.Timeout(timeout_s)
    return client


class Shop:
    """The shop through the gateway."""

    def __init__(self, app: GradedApp) -> None:
        self.app = app
        self.http = app.http

    def product_ids(self) -> list[str]:
        r = self.http.get("/products")
        expect(r, 200, why="the catalogue's products, through the gateway")
        body = json_of(r)
        ids = [p.get("id") for p in body if isinstance(p, dict)] if isinstance(body, list) else []
        ids = [i for i in ids if isinstance(i, str) and i]
        assert ids, (f"{said(r)} → expected a JSON array of products with string ids, "
                     f"got {r.text[:200]}")
        return ids

    def product(self, salt: str) -> str:
        """One product of the catalogue, drawn by the run's seed and ``salt``."""
        return self.app.rng(salt).choice(self.product_ids())

    def set_stock(self, pid: str, qty: int) -> None:
        r = self.http.put(f"/stock/{pid}", json={"quantity": qty})
        got = check_stock(r, pid, why="setting the stock, through the gateway")
        assert got == qty, f"{said(r)} → expected the quantity {qty} back, got {r.text[:160]}"

    def stock(self, pid: str, why: str = "") -> int:
        return check_stock(self.http.get(f"/stock/{pid}"), pid, why=why)

    def stock_answers(self, pid: str, within_s: float) -> bool:
        """GET /stock/{pid} answers 200 within ``within_s`` (the inventory is up: after kata
        started it again, its process may still be starting)."""
        end = time.monotonic() + within_s
        while True:
            try:
                if self.http.get(f"/stock/{pid}").status_code == 200:
                    return True
            except httpx.TransportError:
                pass
            if time.monotonic() > end:
                return False
            time.sleep(0.3)

    def order(self, pid: str, qty: int, client: httpx.Client | None = None) -> httpx.Response:
        return (client or self.http).post("/orders", json={"product_id": pid, "quantity": qty})


def check_order(r: httpx.Response, pid: str, qty: int) -> dict[str, Any]:
    expect(r, 201, why="an order while there is stock")
    body = json_of(r)
    ok = (isinstance(body, dict) and isinstance(body.get("id"), str) and body.get("id")
          and body.get("product_id") == pid and body.get("quantity") == qty)
    assert ok, (f"{said(r)} → expected 201 {{\"id\": <string>, \"product_id\": {pid!r}, "
                f"\"quantity\": {qty}, …}}, got {r.text[:200]}")
    return dict(body)


def timed(call: Any) -> tuple[httpx.Response | None, float, str]:
    """(response or None, seconds, the transport error) of one call kata bounds itself."""
    began = time.perf_counter()
    try:
        return call(), time.perf_counter() - began, ""
    except httpx.TimeoutException:
        return None, time.perf_counter() - began, "no answer (kata's client gave up)"
    except httpx.TransportError as e:
        return None, time.perf_counter() - began, f"a transport error ({type(e).__name__})"
