"""no-oversell: 200 orders of 1 at once for a product with 10 left — exactly 10 succeed."""

from __future__ import annotations

import threading
from collections import Counter

import httpx

from kata.testing import GradedApp, requirement

from ._client import Shop, client_of

STOCK = 10
ORDERS = 200
WORKERS = 50  # kata's own threads; each sends ORDERS / WORKERS orders, all released at once


@requirement("no-oversell")
def test_200_concurrent_orders_for_the_last_10_items_sell_exactly_10(app: GradedApp) -> None:
    shop = Shop(app)
    pid = shop.product("oversell")
    shop.set_stock(pid, STOCK)
    statuses: list[int | str] = []
    lock = threading.Lock()
    start = threading.Barrier(WORKERS)

    def worker() -> None:
        with client_of(app, 30.0) as client:
            start.wait(timeout=30)
            for _ in range(ORDERS // WORKERS):
                try:
                    status: int | str = shop.order(pid, 1, client).status_code
                except httpx.HTTPError as e:
                    status = type(e).__name__
                with lock:
                    statuses.append(status)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(WORKERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    counts = Counter(statuses)
    seen = ", ".join(f"{n} × {s}" for s, n in counts.most_common())
    left = shop.stock(pid, why="after the concurrent orders")
    app.measure(f"{ORDERS} concurrent orders for {STOCK} items: {seen}; stock left {left}")
    assert len(statuses) == ORDERS, (
        f"only {len(statuses)} of {ORDERS} orders were answered ({seen})")
    assert counts[201] <= STOCK, (
        f"{ORDERS} concurrent POST /orders of 1 with {STOCK} in stock → {counts[201]} got 201: "
        f"oversold by {counts[201] - STOCK} ({seen}; stock left {left})")
    assert counts[201] == STOCK and counts[409] == ORDERS - STOCK, (
        f"{ORDERS} concurrent POST /orders of 1 with {STOCK} in stock → expected exactly "
        f"{STOCK} × 201 and {ORDERS - STOCK} × 409, got {seen}")
    assert left == 0, (
        f"GET /stock/{pid} after {STOCK} orders of 1 from {STOCK} → expected 0, got {left}")
