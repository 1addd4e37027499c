"""Carts, in memory: create one, add products (checked against the catalogue), read it."""

from __future__ import annotations

import os
import threading
import uuid

from .common import Reply, Unavailable, call, positive_int, serve

CATALOGUE = os.environ.get("CATALOGUE_URL", "http://catalogue:8000")
carts: dict[str, dict[str, int]] = {}
lock = threading.Lock()


def view(cid: str) -> dict[str, object]:
    items = [{"product_id": p, "quantity": q} for p, q in carts[cid].items()]
    return {"id": cid, "items": items}


def create(body: object) -> Reply:
    cid = uuid.uuid4().hex
    with lock:
        carts[cid] = {}
        return 201, view(cid)


def get(body: object, cid: str) -> Reply:
    with lock:
        return (200, view(cid)) if cid in carts else (404, {"error": "no such cart"})


def add(body: object, cid: str) -> Reply:
    if not (isinstance(body, dict) and isinstance(body.get("product_id"), str)
            and positive_int(body.get("quantity"))):
        return 422, {"error": "expected {product_id: string, quantity: integer >= 1}"}
    with lock:
        if cid not in carts:
            return 404, {"error": "no such cart"}
    try:
        status, _ = call(CATALOGUE, "GET", f"/products/{body['product_id']}", timeout_s=1.0)
    except Unavailable:
        return 503, {"error": "the catalogue is unavailable"}
    if status == 404:
        return 422, {"error": "no such product"}
    if status != 200:
        return 503, {"error": "the catalogue is unavailable"}
    with lock:
        items = carts[cid]
        items[body["product_id"]] = items.get(body["product_id"], 0) + body["quantity"]
        return 200, view(cid)


if __name__ == "__main__":
    serve([("POST", "/carts", create), ("GET", r"/carts/([^/]+)", get),
           ("POST", r"/carts/([^/]+)/items", add)])
