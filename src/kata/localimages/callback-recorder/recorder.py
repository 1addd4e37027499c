"""kata/callback-recorder: records the app's callbacks for graders, stdlib only.

Public side (what the app calls):
  POST|PUT /hooks/{anything} -> 200 {"received": true}; the request is recorded with its
      arrival time. Any other path or method -> 404 / 405, not recorded.
  With ?status=NNN (200..599) the answer has that status instead (still recorded): a
      grader can hand the app a webhook that fails.

Admin API (kata's graders):
  GET    /_admin/calls?path=/hooks/x -> 200 {"path", "count", "dropped", "calls": [{"at":
      wall-clock seconds, "mono": monotonic seconds, "method", "body": the JSON body or
      null, "text": the body as text, capped}]}, oldest first
  DELETE /_admin/calls               -> 200 {"reset": true}

The app is untrusted: what is kept is capped (MAX_CALLS records in all, MAX_BODY bytes of
each body, MAX_TOTAL bytes of bodies in all); past a cap a request is still answered and
counted in "dropped", never stored. A body over MAX_BODY is not read past it.

Environment: PORT (8080).
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

PORT = int(os.environ.get("PORT", "8080"))
MAX_CALLS = 20_000
MAX_BODY = 4096
MAX_TOTAL = 16 * 2**20
MAX_PATH = 200

_lock = threading.Lock()
_calls: dict[str, list[dict]] = defaultdict(list)
_stored = {"calls": 0, "bytes": 0}
_dropped: dict[str, int] = defaultdict(int)


def _record(path: str, method: str, raw: bytes, at: float, mono: float) -> None:
    text = raw[:MAX_BODY].decode("utf-8", "replace")
    try:
        body = json.loads(text) if len(raw) <= MAX_BODY else None
    except ValueError:
        body = None
    with _lock:
        if _stored["calls"] >= MAX_CALLS or _stored["bytes"] + len(text) > MAX_TOTAL:
            _dropped[path] += 1
            return
        _stored["calls"] += 1
        _stored["bytes"] += len(text)
        _calls[path].append({"at": at, "mono": mono, "method": method, "body": body,
                             "text": text})


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "kata-callback-recorder/1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _send(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _read_body(self) -> bytes:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        if length < 0 or length > MAX_BODY:
            self.close_connection = True  # never read a large body: drop the connection
            return self.rfile.read(MAX_BODY + 1) if length > 0 else b""
        return self.rfile.read(length)

    def _hook(self, method: str) -> None:
        at, mono = time.time(), time.monotonic()  # before reading the body
        url = urlsplit(self.path)
        if url.path.startswith("/_admin/"):
            self._admin(method, url.path, parse_qs(url.query))
            return
        if not url.path.startswith("/hooks/") or len(url.path) > MAX_PATH:
            self._read_body()
            self._send(404, {"detail": "no such hook"})
            return
        raw = self._read_body()
        if method not in ("POST", "PUT"):
            self._send(405, {"detail": f"{method} is not allowed on a hook"})
            return
        _record(url.path, method, raw, at, mono)
        status = 200
        wanted = parse_qs(url.query).get("status", [""])[-1]
        if wanted.isdigit() and 200 <= int(wanted) <= 599:
            status = int(wanted)
        self._send(status, {"received": True})

    def _admin(self, method: str, path: str, query: dict) -> None:
        if path == "/_admin/calls" and method == "GET":
            hook = query.get("path", [""])[-1]
            with _lock:
                calls = list(_calls.get(hook, ()))
                dropped = _dropped.get(hook, 0)
            self._send(200, {"path": hook, "count": len(calls), "dropped": dropped,
                             "calls": calls})
        elif path == "/_admin/calls" and method == "DELETE":
            with _lock:
                _calls.clear()
                _dropped.clear()
                _stored.update(calls=0, bytes=0)
            self._send(200, {"reset": True})
        else:
            self._send(404, {"detail": f"no admin route {path}"})

    def do_GET(self) -> None:
        self._hook("GET")

    def do_POST(self) -> None:
        self._hook("POST")

    def do_PUT(self) -> None:
        self._hook("PUT")

    def do_DELETE(self) -> None:
        self._hook("DELETE")


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256


if __name__ == "__main__":
    Server(("0.0.0.0", PORT), Handler).serve_forever()
