"""A tiny HTTP API on 127.0.0.1 for the schema and load stages' tests: it follows (or, on
request, breaks) the small contract in ``CONTRACT``, can demand a bearer token, and can
be slow. Traffic never leaves loopback."""

from __future__ import annotations

import copy
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CONTRACT = {
    "openapi": "3.0.3",
    "info": {"title": "stub", "version": "1"},
    "paths": {
        "/health": {"get": {"responses": {"200": {
            "description": "up",
            "content": {"application/json": {"schema": {
                "type": "object", "required": ["status"],
                "properties": {"status": {"type": "string"}}}}}}}}},
        "/things/{id}": {
            "parameters": [{"name": "id", "in": "path", "required": True,
                            "schema": {"type": "integer"}}],
            "get": {
                "security": [{"bearer": []}],
                "responses": {
                    "200": {"description": "a thing", "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Thing"}}}},
                    "404": {"description": "none", "content": {"application/json": {
                        "schema": {"type": "object", "required": ["detail"],
                                   "properties": {"detail": {"type": "string"}}}}}},
                },
            },
        },
    },
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": {"Thing": {
            "type": "object", "additionalProperties": False, "required": ["id", "name"],
            "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}}},
    },
}


def public_contract() -> dict:
    """The same contract without the bearer requirement."""
    c = copy.deepcopy(CONTRACT)
    del c["paths"]["/things/{id}"]["get"]["security"]
    del c["components"]["securitySchemes"]
    return c


TOKEN = "stub-token-123"


@dataclass
class Behaviour:
    bug: str = ""  # "", "negative-500", "wrong-type", "health-500"
    auth: bool = False  # /things needs "Authorization: Bearer <TOKEN>"
    delay_s: float = 0.0
    users: dict[str, str] = field(default_factory=dict)
    seen: list[str] = field(default_factory=list)
    authorized: int = 0  # requests to /things that carried the token


def _handler(b: Behaviour) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:
            pass

        def _send(self, status: int, body: object) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _body(self) -> dict:
            raw = self.rfile.read(int(self.headers.get("content-length") or 0))
            ctype = self.headers.get("content-type", "")
            if "json" in ctype:
                return json.loads(raw or b"{}")
            from urllib.parse import parse_qsl
            return dict(parse_qsl(raw.decode()))

        def do_GET(self) -> None:
            b.seen.append(f"GET {self.path}")
            if b.delay_s:
                threading.Event().wait(b.delay_s)
            if self.path == "/health":
                return self._send(500 if b.bug == "health-500" else 200, {"status": "ok"})
            m = re.fullmatch(r"/things/([^/?]+)", self.path)
            if not m:
                return self._send(404, {"detail": "no route"})
            if self.headers.get("authorization") == f"Bearer {TOKEN}":
                b.authorized += 1
            elif b.auth:
                return self._send(401, {"detail": "not authenticated"})
            try:
                thing = int(m.group(1))
            except ValueError:
                return self._send(404, {"detail": "not an id"})
            if thing < 0 and b.bug == "negative-500":
                return self._send(500, {"detail": "boom"})
            if thing == 0 or thing > 1000:
                return self._send(404, {"detail": "no such thing"})
            ident: object = str(thing) if b.bug == "wrong-type" else thing
            return self._send(200, {"id": ident, "name": f"thing {thing}"})

        def _not_allowed(self) -> None:
            b.seen.append(f"{self.command} {self.path}")
            self._send(405, {"detail": "method not allowed"})

        def __getattr__(self, name: str):
            if name.startswith("do_"):  # any other method: 405, not http.server's 501
                return self._not_allowed
            raise AttributeError(name)

        def do_POST(self) -> None:
            b.seen.append(f"POST {self.path}")
            body = self._body()
            if self.path == "/auth/register":
                if not body.get("username") or not body.get("password"):
                    return self._send(422, {"detail": "username and password"})
                b.users[body["username"]] = body["password"]
                return self._send(201, {"username": body["username"]})
            if self.path == "/auth/login":
                if b.users.get(body.get("username", "")) != body.get("password"):
                    return self._send(401, {"detail": "bad credentials"})
                return self._send(200, {"data": {"access_token": TOKEN}, "token_type": "bearer"})
            return self._send(404, {"detail": "no route"})

    return Handler


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        pass  # a load generator hanging up mid-answer is normal here


@contextmanager
def serve(behaviour: Behaviour | None = None) -> Iterator[tuple[str, int, Behaviour]]:
    """(host, port, behaviour) of a stub API running until the block ends."""
    b = behaviour or Behaviour()
    server = _QuietServer(("127.0.0.1", 0), _handler(b))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield "127.0.0.1", server.server_address[1], b
    finally:
        server.shutdown()
        server.server_close()
