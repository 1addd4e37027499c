"""The gateway: the one service clients reach. It routes by path prefix, passes the
downstream's answer through, and answers 503 itself when a downstream cannot be reached or
does not answer in time. It keeps no memory of failures: each request tries again."""

from __future__ import annotations

import json
import os

from .common import Unavailable, call, serve

ROUTES = {
    "products": os.environ.get("CATALOGUE_URL", "http://catalogue:8000"),
    "carts": os.environ.get("CART_URL", "http://cart:8000"),
    "orders": os.environ.get("ORDERS_URL", "http://orders:8000"),
    "stock": os.environ.get("INVENTORY_URL", "http://inventory:8000"),
}
DOWNSTREAM_TIMEOUT_S = 1.5  # above the services' own (0.8 s): their 503 arrives first


def forward(handler, raw: bytes) -> None:
    path = handler.path
    if path == "/health":
        handler.send_json(200, {"status": "ok"})
        return
    first = path.lstrip("/").split("/", 1)[0].split("?", 1)[0]
    base = ROUTES.get(first)
    if base is None:
        handler.send_json(404, {"error": "not found"})
        return
    try:
        body = json.loads(raw) if raw else None
    except ValueError:
        handler.send_json(422, {"error": "the body is not JSON"})
        return
    try:
        status, data = call(base, handler.command, path, body, timeout_s=DOWNSTREAM_TIMEOUT_S)
    except Unavailable:
        handler.send_json(503, {"error": f"the {first} service is unavailable; try again"})
        return
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


if __name__ == "__main__":
    serve([], fallback=forward)
