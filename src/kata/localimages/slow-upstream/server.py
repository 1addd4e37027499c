"""kata/slow-upstream: a slow product API for caching exercises, stdlib only.

Public API (what the app in front of it calls), each answer after LATENCY_MS:
  GET /products/{id}?currency=USD|EUR|GBP -> 200 {"id", "name", "price", "currency",
      "version"}; 404 {"detail"} for an id outside 1..PRODUCTS; 422 {"detail"} for another
      currency.
  PUT /products/{id} {"name": 1-100 characters, "price": a number >= 0, in USD} -> 200 the
      record in USD with its version + 1; 404; 422 for another body.
Every public request is counted per (path, method); the query string is not part of the
path.

Admin API (kata's graders; answered at once, never counted):
  GET    /_admin/health                 -> 200 {"status": "ok"}
  GET    /_admin/calls?path=/products/7 -> 200 {"path", "GET": n, "PUT": n}
  DELETE /_admin/calls                  -> 200 {"reset": true} (every counter back to 0)
  GET    /_admin/products/{id}?currency=C -> the record as GET /products/{id} answers it
  PUT    /_admin/products/{id} {"name", "price"} -> changes the record as PUT does, but
      behind the app's back (no latency, not counted)

Environment: PORT (8080), LATENCY_MS (200), PRODUCTS (100000).
"""

from __future__ import annotations

import json
import math
import os
import re
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

PORT = int(os.environ.get("PORT", "8080"))
LATENCY_S = int(os.environ.get("LATENCY_MS", "200")) / 1000
PRODUCTS = int(os.environ.get("PRODUCTS", "100000"))
RATES = {"USD": 1.0, "EUR": 0.92, "GBP": 0.79}  # fixed: an answer depends on the data only
MAX_BODY = 64 * 1024
PRODUCT_PATH = re.compile(r"/products/([0-9]{1,9})")

_lock = threading.Lock()
_changed: dict[int, dict] = {}  # id -> {"name", "price_usd", "version"} once changed
_calls: Counter[tuple[str, str]] = Counter()


def _record(pid: int) -> dict:
    stored = _changed.get(pid)
    if stored is None:  # every product exists from the start, made from its id
        return {"name": f"Product {pid}", "price_usd": ((pid * 7919) % 99_900 + 100) / 100,
                "version": 1}
    return stored


def _view(pid: int, currency: str) -> dict:
    with _lock:
        rec = dict(_record(pid))
    return {"id": pid, "name": rec["name"],
            "price": round(rec["price_usd"] * RATES[currency], 2),
            "currency": currency, "version": rec["version"]}


def _change(pid: int, body: object) -> tuple[int, dict]:
    if not isinstance(body, dict):
        return 422, {"detail": "the body must be a JSON object"}
    name, price = body.get("name"), body.get("price")
    if not isinstance(name, str) or not 1 <= len(name) <= 100:
        return 422, {"detail": "name must be a string of 1 to 100 characters"}
    if (not isinstance(price, (int, float)) or isinstance(price, bool)
            or not math.isfinite(price) or price < 0 or price > 1e9):
        return 422, {"detail": "price must be a number from 0 to 1e9"}
    with _lock:
        version = _record(pid)["version"] + 1
        _changed[pid] = {"name": name, "price_usd": round(float(price), 2), "version": version}
    return 200, _view(pid, "USD")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: an app's connection pool is reused
    server_version = "kata-slow-upstream/1"

    def log_message(self, format: str, *args: object) -> None:
        pass  # quiet: a grade makes thousands of requests

    def _send(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> object:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self.close_connection = True
            return None
        try:
            return json.loads(self.rfile.read(length) or b"null")
        except ValueError:
            return None

    def _product(self, path: str) -> int | None:
        m = PRODUCT_PATH.fullmatch(path)
        pid = int(m.group(1)) if m else 0
        return pid if 1 <= pid <= PRODUCTS else None

    def _handle(self, method: str) -> None:
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        admin = url.path.startswith("/_admin/")
        path = url.path.removeprefix("/_admin") if admin else url.path
        body = self._body() if method == "PUT" else None
        if admin:
            self._admin(method, path, query, body)
            return
        with _lock:
            _calls[(path, method)] += 1
        time.sleep(LATENCY_S)
        self._public(method, path, query, body)

    def _public(self, method: str, path: str, query: dict, body: object) -> None:
        if not path.startswith("/products/"):
            self._send(404, {"detail": f"no route {path}"})
            return
        pid = self._product(path)
        if pid is None:
            self._send(404, {"detail": f"product {path.rsplit('/', 1)[1][:20]} not found"})
        elif method == "GET":
            currency = query.get("currency", ["USD"])[-1]
            if currency not in RATES:
                self._send(422, {"detail": f"currency must be one of {', '.join(RATES)}"})
            else:
                self._send(200, _view(pid, currency))
        elif method == "PUT":
            self._send(*_change(pid, body))
        else:
            self._send(405, {"detail": f"{method} is not allowed here"})

    def _admin(self, method: str, path: str, query: dict, body: object) -> None:
        if path == "/health":
            self._send(200, {"status": "ok"})
        elif path == "/calls" and method == "GET":
            counted = query.get("path", [""])[-1]
            with _lock:
                self._send(200, {"path": counted, "GET": _calls[(counted, "GET")],
                                 "PUT": _calls[(counted, "PUT")]})
        elif path == "/calls" and method == "DELETE":
            with _lock:
                _calls.clear()
            self._send(200, {"reset": True})
        elif path.startswith("/products/"):
            self._public(method, path, query, body)  # the same answer, at once, uncounted
        else:
            self._send(404, {"detail": f"no admin route {path}"})

    def do_GET(self) -> None:
        self._handle("GET")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def do_POST(self) -> None:
        self._handle("POST")


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # 50 concurrent misses arrive at once


if __name__ == "__main__":
    Server(("0.0.0.0", PORT), Handler).serve_forever()
