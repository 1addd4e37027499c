"""The app's network reaches its own services and nothing else. The proof uses listeners
this test starts itself — a container on a separate network, and a socket on this host —
and the escape app dials only those (and its network's gateway, an address Docker made on
this host). A control grading shows the same dials do connect when the listener is on the
app's network and the host block is off, so the test can fail."""

from __future__ import annotations

import os
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import docker.errors
import pytest
from hostile.support import (  # noqa: F401  (hostile_session: the end-of-session check)
    HOST,
    REPOS,
    TEST_LABELS,
    client,
    exercise,
    grade_repo,
    hostile_session,
    verdict,
    wait_gone,
)

from kata.events import Event, PhaseFinished, PhaseStarted
from kata.sandbox import hostblock
from kata.sandbox.docker import DockerSandbox
from kata.sandbox.housekeeping import PID_LABEL

pytestmark = [pytest.mark.docker, pytest.mark.slow]

LISTEN_PORT = 9009
LISTENER = f"""
import socket
s = socket.create_server(("0.0.0.0", {LISTEN_PORT}))
print("LISTENING", flush=True)
for _ in range(1000):
    c, peer = s.accept()
    print("CONNECT", peer[0], flush=True)
    c.close()
"""


@dataclass
class Listener:
    """A TCP listener in its own container, on its own network (both made by this test)."""

    container: object
    network: object
    ip: str

    def connections(self) -> list[str]:
        log = self.container.logs().decode()
        return [line.split()[1] for line in log.splitlines() if line.startswith("CONNECT")]


@pytest.fixture
def listener() -> Iterator[Listener]:
    c = client()
    token = secrets.token_hex(4)
    labels = TEST_LABELS
    net = c.networks.create(f"kata-test-{token}", driver="bridge", internal=True,
                            labels=labels)
    box = None
    try:
        box = c.containers.run("python:3.12-slim", ["python3", "-u", "-c", LISTENER],
                               name=f"kata-test-{token}-listener", labels=labels,
                               network=net.name, detach=True, mem_limit="64m",
                               cap_drop=["ALL"])
        end = time.monotonic() + 20
        while b"LISTENING" not in box.logs() and time.monotonic() < end:  # bounded
            time.sleep(0.2)
        assert b"LISTENING" in box.logs(), box.logs()
        box.reload()
        ip = box.attrs["NetworkSettings"]["Networks"][net.name]["IPAddress"]
        yield Listener(box, net, ip)
    finally:
        if box is not None:
            box.remove(force=True)
        net.remove()


@dataclass
class HostListener:
    """A TCP listener on this host, on every address (0.0.0.0), on a free port."""

    sock: socket.socket = field(default_factory=lambda: socket.create_server(("0.0.0.0", 0)))
    peers: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    @property
    def port(self) -> int:
        return self.sock.getsockname()[1]

    def serve(self) -> None:
        self.sock.settimeout(0.25)
        for _ in range(4 * 600):  # at most ten minutes
            if self.stop.is_set():
                return
            try:
                conn, peer = self.sock.accept()
            except TimeoutError:
                continue
            self.peers.append(peer[0])
            conn.close()


@pytest.fixture
def host_listener() -> Iterator[HostListener]:
    h = HostListener()
    t = threading.Thread(target=h.serve, daemon=True)
    t.start()
    try:
        yield h
    finally:
        h.stop.set()
        t.join(5)
        h.sock.close()


def _outbound(report) -> tuple[str, str, dict[str, float]]:
    r = next(q for q in report.requirements if q.id == "outbound")
    return r.status, r.message, r.measurements


def _kept(e, run_id, docker_client):
    """A sandbox as `kata grade --keep` makes it: the app published through kata's relay."""
    return DockerSandbox(limits=e.limits, run_id=run_id, client=docker_client, keep=True)


@pytest.mark.parametrize("factory", [None, _kept], ids=["graded", "kept-and-published"])
def test_the_app_reaches_neither_another_network_nor_the_host(listener, host_listener,
                                                              factory):
    ex = exercise(env={"DIAL_TARGETS": f"othernet={listener.ip}:{LISTEN_PORT}",
                       "DIAL_GATEWAY_PORT": str(host_listener.port)})
    relays: list[str] = []

    def see_relays(event: Event) -> None:  # the kept app is published while it is graded
        if isinstance(event, PhaseStarted) and event.phase == "contract":
            relays.extend(c.name for c in client().containers.list(
                filters={"label": [f"{PID_LABEL}=kept", "kata.role=relay"]}))

    g = grade_repo(REPOS / "escape", {"outbound"}, ex, emit=see_relays, factory=factory)
    mine = [name for name in relays if name.startswith(f"kata-{g.run_id}-")]
    assert mine if factory else not mine, relays
    status, message, seen = _outbound(g.report)
    assert g.report.problem is None, g.report.problem
    assert status == "pass", message
    assert seen == {"reached_othernet": 0.0, "reached_gateway": 0.0}, seen
    assert listener.connections() == []
    assert host_listener.peers == []
    assert g.seconds < 20  # two dials that wait out their 2 s connect timeout
    assert not wait_gone({g.run_id})
    verdict("outbound-blocked" + ("-kept" if factory else ""), "other network and host "
            "gateway unreachable; listeners saw no connection", g.seconds)


def test_control_the_same_dials_connect_without_the_blocks(listener, host_listener,
                                                           monkeypatch):
    """Control: with the listener joined to the app's network and no host block, both
    dials connect and both listeners see the app — so the test above can fail."""
    monkeypatch.setattr(hostblock, "add_host_block", lambda bridge: False)
    c = client()

    def join_listener(event: Event) -> None:
        mine = {PID_LABEL: f"{HOST}:{os.getpid()}"}
        if isinstance(event, (PhaseStarted, PhaseFinished)) and event.phase == "contract":
            for net in c.networks.list(filters={"label": f"{PID_LABEL}={mine[PID_LABEL]}"}):
                if isinstance(event, PhaseStarted):
                    net.connect(listener.container, aliases=["probe-listener"])
                else:
                    try:
                        net.disconnect(listener.container)
                    except docker.errors.APIError:
                        pass

    ex = exercise(env={"DIAL_TARGETS": f"samenet=probe-listener:{LISTEN_PORT}",
                       "DIAL_GATEWAY_PORT": str(host_listener.port)})
    g = grade_repo(REPOS / "escape", {"outbound"}, ex, emit=join_listener)
    status, message, seen = _outbound(g.report)
    assert status == "fail", message
    assert seen == {"reached_samenet": 1.0, "reached_gateway": 1.0}, seen
    assert "the app reached samenet" in message and "gateway" in message, message
    assert len(listener.connections()) == 1, listener.connections()
    assert len(host_listener.peers) == 1, host_listener.peers
    assert listener.connections()[0] == host_listener.peers[0]  # both from the app
    assert not wait_gone({g.run_id})
    assert g.seconds < 15
    verdict("outbound-control", "without the blocks both listeners see the app", g.seconds)
