"""GradedApp.clients(n): graders that send from several threads at once lend each thread a
client of its own (one httpx client shared by 50 threads lost a request in a thousand to
"Bad file descriptor", kata's failure shown as the app's). Against a real local server."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from kata.sandbox.base import Address
from kata.sandbox.fake import FakeApp
from kata.testing import GradedApp

N = 8


class _Peer(BaseHTTPRequestHandler):
    """Answers with the client's own port: which connection the request came on."""

    protocol_version = "HTTP/1.1"  # keep-alive: a client reuses its connection

    def do_GET(self) -> None:
        body = str(self.client_address[1]).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def app() -> Iterator[GradedApp]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Peer)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    graded = GradedApp(handle=FakeApp(port=8000, address=Address("127.0.0.1",
                                                                 server.server_address[1])),
                       services={}, seed=1)
    try:
        yield graded
    finally:
        graded.close()
        server.shutdown()
        server.server_close()


def test_each_concurrent_borrower_has_a_client_of_its_own_and_all_are_closed(app):
    together = threading.Barrier(N, timeout=10)

    def borrow(_: int) -> tuple[httpx.Client, str, str]:
        with clients.one() as client:
            together.wait()  # all N clients are out at once
            first = client.get("/a")
            second = client.get("/b")
            return client, first.text, second.text

    with app.clients(N) as clients:
        with ThreadPoolExecutor(N) as pool:
            lent = list(pool.map(borrow, range(N)))
        made = list(clients.clients)
        assert not any(c.is_closed for c in made)
    borrowed = [c for c, _, _ in lent]
    ids = {id(c) for c in borrowed}
    assert len(ids) == N and ids == {id(c) for c in made}
    # each client kept a connection of its own: N different client ports, each the same for
    # its two requests
    assert all(a == b for _, a, b in lent) and len({a for _, a, _ in lent}) == N
    assert all(c.is_closed for c in made)
    assert len(app.exchanges) == 2 * N  # recorded as evidence like app.client()'s


def test_a_borrower_waits_for_a_client_given_back_even_after_an_error(app):
    with app.clients(1) as clients:
        with pytest.raises(RuntimeError), clients.one():
            raise RuntimeError("a grader's check failed mid-request")
        took: list[float] = []

        def second() -> None:
            began = time.monotonic()
            with clients.one() as client:
                took.append(time.monotonic() - began)
                client.get("/")

        with clients.one():  # the only client is out: the second borrower waits
            waiter = threading.Thread(target=second)
            waiter.start()
            time.sleep(0.3)
            assert not took
        waiter.join(timeout=10)
        assert took and took[0] >= 0.25
