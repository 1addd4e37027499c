"""kata.testing's client against a local hostile server (no Docker): a redirect followed
to anywhere but the app is refused before anything is sent, and a body the grader asked
to be compressed is capped on what it decodes to."""

from __future__ import annotations

import contextlib
import http.server
import threading
import zlib
from collections.abc import Iterator

import pytest
from hostile.support import listening

from kata.testing import (
    MAX_BODY_BYTES,
    BodyTooLarge,
    EncodingRefused,
    RedirectRefused,
    capped_client,
)

GZIP = (lambda z: z.compress(b"\0" * (MAX_BODY_BYTES + 2**20)) + z.flush())(
    zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16))


@contextlib.contextmanager
def _server(target: str) -> Iterator[str]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path == "/away":
                self.send_response(307)
                self.send_header("Location", target)
                body = b""
            elif self.path == "/small-gzip":
                raw = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)  # no zlib header
                body = raw.compress(b"hello") + raw.flush()
                self.send_response(200)
                self.send_header("Content-Encoding", "deflate")
            else:
                body = GZIP
                self.send_response(200)
                self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_followed_redirect_to_another_address_is_refused():
    with listening() as listener, _server(f"http://127.0.0.1:{listener.port}/x") as base:
        with capped_client(base, 5) as http:
            assert http.get("/away").status_code == 307  # an answer, not followed
            with pytest.raises(RedirectRefused, match="only to the app"):
                http.get("/away", follow_redirects=True)
    assert listener.hits == []


def test_compression_is_refused_unasked_and_capped_decoded_when_asked():
    with _server("http://127.0.0.1:9/") as base, capped_client(base, 5) as http:
        with pytest.raises(EncodingRefused, match="Content-Encoding: gzip although kata asked"):
            http.get("/bomb")
        asked = {"Accept-Encoding": "gzip, deflate"}
        assert http.get("/small-gzip", headers=asked).text == "hello"
        with pytest.raises(BodyTooLarge, match="MB decoded"):
            http.get("/bomb", headers=asked)
