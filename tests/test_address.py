"""kata's clients reach the app at the address the sandbox hands out (``AppHandle.address``),
not at an address they build from the app's own port: with a remote engine or a cluster
the two differ. Here a real server answers on one loopback port while the app's own port
is another, where nothing listens."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from kata import readiness
from kata.catalog.models import Readiness
from kata.sandbox.base import Address
from kata.sandbox.fake import FakeApp
from kata.testing import GradedApp

OWN_PORT = 1  # the app's port in its container; nothing listens on it here


class _Hello(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = f"hello from {self.path}".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def served() -> Iterator[Address]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hello)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield Address("127.0.0.1", server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()


def test_the_probe_and_the_graders_client_use_the_handed_out_address(served):
    app = FakeApp(port=OWN_PORT, address=served)
    assert readiness.PROBES["http"](app, Readiness(path="/health")) is None
    assert readiness.PROBES["http"](FakeApp(port=OWN_PORT), Readiness(path="/")) is not None

    graded = GradedApp(handle=app, services={}, seed=1)
    assert graded.address == served and (graded.host, graded.port) == served
    assert graded.base_url == f"http://127.0.0.1:{served.port}"
    r = graded.http.get("/items")
    assert r.status_code == 200 and r.text == "hello from /items"
    # the replay is for the learner's own machine: localhost at the app's own port
    assert graded.failure_evidence()["replay"].endswith(f"http://localhost:{OWN_PORT}/items")


def test_an_address_prints_as_host_and_port():
    assert str(Address("172.30.0.5", 8000)) == "172.30.0.5:8000"
    assert Address("fd00::5", 8000).url == "http://[fd00::5]:8000"
