"""Is the app up? Each probe wants a real reply, because a connect alone proves nothing."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable

import httpx

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


@probe("http")
def http_probe(app: AppHandle, r: Readiness) -> str | None:
    try:
        resp = httpx.get(f"http://{app.ip}:{app.port}{r.path}", timeout=2.0)
    except httpx.HTTPError as e:
        return f"GET {r.path}: {type(e).__name__}"
    if r.expect_status is not None and resp.status_code != r.expect_status:
        return f"GET {r.path} answered {resp.status_code}, expected {r.expect_status}"
    if resp.status_code >= 500:
        return f"GET {r.path} answered {resp.status_code}"
    return None


@probe("resp")
def resp_probe(app: AppHandle, r: Readiness) -> str | None:
    try:
        with socket.create_connection((app.ip, app.port), timeout=2.0) as s:
            s.sendall(b"*1\r\n$4\r\nPING\r\n")
            reply = s.recv(64)
    except OSError as e:
        return f"PING: {type(e).__name__}"
    return None if reply.startswith(b"+PONG") else f"PING answered {reply[:40]!r}"


@probe("none")
def no_probe(app: AppHandle, r: Readiness) -> str | None:
    return None


def _within(check: Probe, app: AppHandle, r: Readiness, limit_s: float) -> str | None:
    """One probe with a deadline on all of it: a client's per-read timeouts never stop an
    app that answers one byte a second. A probe left waiting ends with its read timeout
    once the app's container is gone."""
    seen: list[str | None] = []
    worker = threading.Thread(target=lambda: seen.append(check(app, r)), daemon=True)
    worker.start()
    worker.join(limit_s)
    return seen[0] if seen else f"no complete reply within {limit_s:.0f} s"


def wait_ready(app: AppHandle, readiness: Readiness, timeout_s: float | None = None) -> float:
    """Seconds until the app answered. Raises AppExited or NeverReady with the log tail."""
    check = PROBES[readiness.probe]
    deadline = timeout_s if timeout_s is not None else readiness.timeout_s
    start = time.monotonic()
    last = "no reply yet"
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
        time.sleep(0.25)
    raise NeverReady(
        f"the app did not answer within {deadline:.0f} s (last: {last})",
        "listen on 0.0.0.0 and the port in $PORT; answer the health endpoint",
        app.logs(),
    )
