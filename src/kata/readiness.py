"""Is the app up? Each probe wants a real reply, because a connect alone proves nothing."""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass

from kata.catalog.models import Readiness
from kata.errors import AppExited, NeverReady
from kata.sandbox.base import AppHandle

Probe = Callable[[AppHandle, Readiness], str | None]  # None = ready, else what it saw
PROBE_LIMIT_S = 5.0  # one probe, the whole reply included
PROBES: dict[str, Probe] = {}


def probe(name: str) -> Callable[[Probe], Probe]:
    def register(fn: Probe) -> Probe:
        PROBES[name] = fn
        return fn

    return register


HEAD_LIMIT = 64 * 2**10  # a readiness reply's status line and headers: kata reads no more
_DEADLINE: ContextVar[float] = ContextVar("probe_deadline", default=0.0)


def _left() -> float:
    """Seconds this probe has left (all its reads together), at least a little."""
    end = _DEADLINE.get() or time.monotonic() + PROBE_LIMIT_S
    return max(0.05, end - time.monotonic())


def _read_until(s: socket.socket, marker: bytes, limit: int) -> bytes:
    """Bytes up to ``marker`` (or what came before the deadline, the limit or the close):
    bounded in memory and in time, whatever the app sends and however slowly."""
    data = bytearray()
    while marker not in data and len(data) < limit:
        end = _DEADLINE.get() or time.monotonic() + PROBE_LIMIT_S
        if time.monotonic() >= end:
            break
        s.settimeout(min(2.0, _left()))
        try:
            chunk = s.recv(min(4096, limit - len(data)))
        except TimeoutError:
            continue  # checked against the whole probe's deadline above
        if not chunk:
            break
        data += chunk
    return bytes(data)


@probe("http")
def http_probe(app: AppHandle, r: Readiness) -> str | None:
    """GET the path and read its status line and headers, no body: a reply that ends
    its headers is a real reply, and an endless body cannot fill kata's memory."""
    request = (f"GET {r.path} HTTP/1.1\r\nHost: {app.address}\r\n"
               "Accept-Encoding: identity\r\nConnection: close\r\n\r\n").encode()
    try:
        with socket.create_connection(app.address, timeout=min(2.0, _left())) as s:
            s.sendall(request)
            head = _read_until(s, b"\r\n\r\n", HEAD_LIMIT)
    except OSError as e:
        return f"GET {r.path}: {type(e).__name__}"
    if b"\r\n\r\n" not in head:
        if len(head) >= HEAD_LIMIT:
            return f"GET {r.path}: headers over {HEAD_LIMIT // 1024} KB"
        return "no complete reply" if head else f"GET {r.path}: no answer"
    status_line = head.split(b"\r\n", 1)[0].split()
    if len(status_line) < 2 or not status_line[0].startswith(b"HTTP/") \
            or not status_line[1].isdigit():
        return f"GET {r.path} answered {head[:40]!r}, not HTTP"
    code = int(status_line[1])
    if r.expect_status is not None and code != r.expect_status:
        return f"GET {r.path} answered {code}, expected {r.expect_status}"
    if code >= 500:
        return f"GET {r.path} answered {code}"
    return None


@probe("resp")
def resp_probe(app: AppHandle, r: Readiness) -> str | None:
    try:
        with socket.create_connection(app.address, timeout=min(2.0, _left())) as s:
            s.sendall(b"*1\r\n$4\r\nPING\r\n")
            reply = _read_until(s, b"\r\n", 64)
    except OSError as e:
        return f"PING: {type(e).__name__}"
    return None if reply.startswith(b"+PONG") else f"PING answered {reply[:40]!r}"


@probe("none")
def no_probe(app: AppHandle, r: Readiness) -> str | None:
    return None


def _within(check: Probe, app: AppHandle, r: Readiness, limit_s: float) -> str | None:
    """One probe with a deadline on all of it: a client's per-read timeouts never stop an
    app that answers one byte a second. The probes read the deadline (``_left``) and end
    by it themselves, in this thread: no retry leaves a reader behind."""
    token = _DEADLINE.set(time.monotonic() + limit_s)
    try:
        seen = check(app, r)
    finally:
        _DEADLINE.reset(token)
    if seen == "no complete reply":
        return f"no complete reply within {limit_s:.0f} s"
    return seen


# Once the app's state cannot change, waiting out the whole readiness timeout only delays
# the verdict (seen: 100 s for a steady 404, 145 s for a wrong port). An app that answers
# the same client error this long has no such route; one that listens, but only somewhere
# the probe cannot reach, this long, has bound its socket and will not bind another.
STEADY_ANSWER_S = 10.0
STEADY_LISTENER_S = 5.0
LOOPBACK = ("127.0.0.1", "::1")
CLIENT_ERROR = re.compile(r" answered (4\d\d)\b")


def unreachable_listeners(app: AppHandle) -> tuple[tuple[str, int], ...] | None:
    """The app's listening sockets when it listens but not where the probe connects (the
    port on a reachable address); None otherwise, or when the sockets cannot be read."""
    found = app.listening()
    if not found:
        return None
    if any(p == app.port and a not in LOOPBACK for a, p in found):
        return None
    return tuple(sorted(set(found)))


@dataclass
class _Steady:
    """How long one observation has stayed the same."""

    seen: object = None
    since: float = 0.0

    def held(self, now: float, seen: object) -> float:
        if seen != self.seen:
            self.seen, self.since = seen, now
        return now - self.since if seen is not None else 0.0


def wait_ready(app: AppHandle, readiness: Readiness, timeout_s: float | None = None) -> float:
    """Seconds until the app answered. Raises AppExited or NeverReady with the log tail,
    at the deadline or as soon as the app's state cannot change any more."""
    check = PROBES[readiness.probe]
    deadline = timeout_s if timeout_s is not None else readiness.timeout_s
    start = time.monotonic()
    last = "no reply yet"
    answer, listeners = _Steady(), _Steady()
    looked = -1.0  # when the listening sockets were last read (a Docker call: once a second)
    while time.monotonic() - start < deadline:  # bounded in time
        code, oom = app.exit_status()
        if code is not None:
            why = "was killed for using too much memory" if oom else f"exited with code {code}"
            raise AppExited(
                f"the app container {why} before it was ready",
                "run the image locally and read the log below; the app must keep running",
                app.logs(),
            )
        left = deadline - (time.monotonic() - start)
        seen = _within(check, app, readiness, max(0.5, min(PROBE_LIMIT_S, left)))
        if seen is None:
            return time.monotonic() - start
        last = seen
        now = time.monotonic()
        if answer.held(now, seen if CLIENT_ERROR.search(seen) else None) >= STEADY_ANSWER_S:
            raise NeverReady(
                f"the app answered the same for {now - answer.since:.0f} s (last: {last})",
                "answer the health endpoint", app.logs())
        if now - looked >= 1.0:
            looked = now
            where = unreachable_listeners(app)
            if listeners.held(now, where) >= STEADY_LISTENER_S and where:
                shown = ", ".join(f"{a}:{p}" for a, p in where[:3])
                raise NeverReady(
                    f"the app listens only on {shown}, not on port {app.port} of an address "
                    f"kata can reach, for {now - listeners.since:.0f} s (last: {last})",
                    "listen on 0.0.0.0 and the port in $PORT", app.logs())
        time.sleep(0.25)
    raise NeverReady(
        f"the app did not answer within {deadline:.0f} s (last: {last})",
        "listen on 0.0.0.0 and the port in $PORT; answer the health endpoint",
        app.logs(),
    )
