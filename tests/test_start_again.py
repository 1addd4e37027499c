"""GradedApp.start_again (DockerApp.start_again): the app's image started a second time as
a server, as a Kubernetes Deployment's container would be (k8s-deploy): only the env it is
given, its entrypoint and command replaced, another user, a read-only root filesystem with
writable in-memory mount points; reached on its port, removed with the run. Real Docker."""

from __future__ import annotations

import time

import httpx
import pytest

from kata.catalog.models import Limits
from kata.sandbox.base import Image
from kata.sandbox.docker import DockerSandbox, connect
from kata.testing import GradedApp

IMAGE = Image(tag="python:3.11-slim", size_bytes=0)  # a local stand-in `kata images` builds
# A server that reports what it was started with: its env, uid, and whether it could write
# to / (read-only or not) and to /tmp (a tmpfs mount point).
SERVER = """
import json, os, http.server
def can_write(path):
    try:
        open(path, "w").close(); return True
    except OSError:
        return False
facts = {"who": os.environ.get("WHO"), "extra": os.environ.get("EXTRA"), "uid": os.getuid(),
         "root_rw": can_write("/probe"), "tmp_rw": can_write("/tmp/probe"),
         "argv": os.sys.argv[1:]}
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps(facts).encode()
        self.send_response(200); self.send_header("Content-Length", str(len(body)))
        self.end_headers(); self.wfile.write(body)
http.server.HTTPServer(("0.0.0.0", int(os.environ["PORT"])), H).serve_forever()
"""

pytestmark = pytest.mark.docker


def _facts(again: GradedApp) -> dict:
    deadline = time.monotonic() + 20
    while True:
        try:
            return again.http.get("/").json()
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise AssertionError(again.logs()) from None
            time.sleep(0.2)


def test_a_second_container_runs_as_told_and_goes_with_the_run():
    client = connect()
    sandbox = DockerSandbox(limits=Limits(cpus=1.0, memory_mb=256, pids=64),
                            run_id="test-start-again", client=client)
    try:
        handle = sandbox.start_app(IMAGE, {"WHO": "the app's own env"}, 0, serve=False)
        app = GradedApp(handle=handle, services={}, seed=1)
        locked = app.start_again(
            8081, {"PORT": "8081", "EXTRA": "given"}, entrypoint=["python", "-c", SERVER],
            command=["one", "two"], user="10001:10001", read_only=True, tmpfs=["/tmp"])
        facts = _facts(locked)
        assert locked.port == 8081
        assert facts == {"who": None, "extra": "given", "uid": 10001, "root_rw": False,
                         "tmp_rw": True, "argv": ["one", "two"]}
        # without the options: the image's user (root here), a writable root filesystem
        plain = app.start_again(8082, {"PORT": "8082"}, entrypoint=["python", "-c", SERVER])
        facts = _facts(plain)
        assert (facts["uid"], facts["root_rw"], facts["argv"]) == (0, True, [])
        names = {c.name for c in client.containers.list(
            all=True, filters={"label": "kata.run=test-start-again"})}
        assert {"kata-test-start-again-again-1", "kata-test-start-again-again-2"} <= names
    finally:
        sandbox.close()
    left = client.containers.list(all=True, filters={"label": "kata.run=test-start-again"})
    assert left == []
