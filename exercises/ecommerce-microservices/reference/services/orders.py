"""Orders: each reserves its stock at the inventory first (an atomic decrement there);
an inventory that is down or hangs gives 503 at once, never a hang or a 500."""

from __future__ import annotations

import json
import os
import threading
import uuid

from .common import Reply, Unavailable, call, positive_int, serve

INVENTORY = os.environ.get("INVENTORY_URL", "http://inventory:8000")
INVENTORY_TIMEOUT_S = 0.8  # below the gateway's: it answers 503 before the gateway gives up
orders: dict[str, dict[str, object]] = {}
lock = threading.Lock()


def create(body: object) -> Reply:
    if not (isinstance(body, dict) and isinstance(body.get("product_id"), str)
            and positive_int(body.get("quantity"))):
        return 422, {"error": "expected {product_id: string, quantity: integer >= 1}"}
    pid, qty = body["product_id"], body["quantity"]
    try:
        status, raw = call(INVENTORY, "POST", f"/stock/{pid}/reserve", {"quantity": qty},
                           timeout_s=INVENTORY_TIMEOUT_S)
    except Unavailable:
        return 503, {"error": "the inventory is unavailable; try again"}
    if status == 409:
        return 409, {"error": "not enough stock"}
    if status == 404:
        return 404, {"error": "no such product"}
    if status != 200:
        return 503, {"error": "the inventory is unavailable; try again"}
    order = {"id": uuid.uuid4().hex, "product_id": pid, "quantity": qty,
             "status": "confirmed", "stock_left": json.loads(raw).get("quantity")}
    with lock:
        orders[order["id"]] = order
    return 201, order


def get(body: object, oid: str) -> Reply:
    with lock:
        order = orders.get(oid)
    return (200, order) if order else (404, {"error": "no such order"})


if __name__ == "__main__":
    serve([("POST", "/orders", create), ("GET", r"/orders/([^/]+)", get)])
