"""What every service shares: a threaded JSON HTTP server with a route table, and a client
for calling another service with a deadline (a downstream that hangs must not hang us)."""

from __future__ import annotations

import http.client
import json
import os
import re
import socket
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

Reply = tuple[int, object]
Handler = Callable[..., Reply]


class Unavailable(Exception):
    """The downstream service did not answer in time (stopped, unreachable, hung)."""


def call(base_url: str, method: str, path: str, body: object = None,
         timeout_s: float = 1.0) -> tuple[int, bytes]:
    """One request to another service: (status, body bytes); Unavailable when it cannot
    be reached or does not answer within ``timeout_s`` (connect and each read)."""
    url = urlsplit(base_url)
    conn = http.client.HTTPConnection(url.hostname or "", url.port or 80, timeout=timeout_s)
    data = None if body is None else json.dumps(body).encode()
    try:
        conn.request(method, path, body=data,
                     headers={"Content-Type": "application/json"} if data else {})
        resp = conn.getresponse()
        return resp.status, resp.read()
    except (OSError, socket.timeout, http.client.HTTPException) as e:
        raise Unavailable(str(e)) from None
    finally:
        conn.close()


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 512  # 200 clients at once must not be dropped at accept


def serve(routes: list[tuple[str, str, Handler]], fallback: Callable[..., None] | None = None,
          port: int | None = None) -> None:
    """Serve ``routes`` ((method, path regex, handler(body, *groups) -> (status, json)))."""
    compiled = [(m, re.compile(f"^{p}$"), h) for m, p, h in routes]

    class Handle(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def send_json(self, status: int, payload: object) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def body(self) -> bytes:
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(min(length, 1_000_000)) if length else b""

        def dispatch(self) -> None:
            raw = self.body()
            path = self.path.split("?", 1)[0]
            if fallback is not None:
                fallback(self, raw)
                return
            for method, pattern, handler in compiled:
                m = pattern.match(path)
                if m and method == self.command:
                    try:
                        parsed = json.loads(raw) if raw else None
                    except ValueError:
                        self.send_json(422, {"error": "the body is not JSON"})
                        return
                    status, payload = handler(parsed, *m.groups())
                    self.send_json(status, payload)
                    return
            self.send_json(404, {"error": "not found"})

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = dispatch

    Server(("0.0.0.0", port or int(os.environ.get("PORT", "8000"))), Handle).serve_forever()


def positive_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1
