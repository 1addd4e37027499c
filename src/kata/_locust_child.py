"""One load profile, run headless with locust as a library — in a process of its own.

locust monkey-patches the standard library with gevent on import, which would break the
grading process (threads, sockets, pytest), so the load stage starts this module as a
child: ``python -m kata._locust_child '<json profile>'`` (outside ``kata.stages``, whose
imports — pytest, httpx — would come before the monkey-patching). It prints one line,
``KATA-LOAD-RESULT {json}``, with the totals read straight from ``env.stats`` after the
run (locust's CSV files lag behind the run, so they are not used).

The run: spawn the users, let them warm up, reset the stats, measure for ``duration_s``
(or until ``max_requests``), stop. The child also samples its own CPU time once a second
and how late its event loop wakes up, so the parent can tell a saturated generator (which
measures itself, not the app).
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from typing import Any

# Nothing here imports locust or gevent at module level: the parent imports MARKER from
# this module, and must stay unpatched. The child patches first thing in main().
MARKER = "KATA-LOAD-RESULT "
LAG_TICK_S = 0.05
MAX_BODY_BYTES = 32 * 2**20  # as kata.testing's (not imported: it imports httpx, pytest)
MAX_HEAD_BYTES = 100 * 2**10  # a status line and headers, as h11 bounds them for httpx


class _CappedRaw:
    """A requests response's raw stream, read only up to MAX_BODY_BYTES."""

    def __init__(self, raw: Any) -> None:
        self._raw = raw

    def stream(self, amt: int | None = None, decode_content: bool | None = None):
        seen = 0
        for chunk in self._raw.stream(amt or 2**16, decode_content=decode_content):
            seen += len(chunk)
            if seen > MAX_BODY_BYTES:
                raise ValueError(f"the body is over {MAX_BODY_BYTES // 2**20} MB; "
                                 "kata stopped reading it")
            yield chunk

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)


def _capped_requests_body(response: Any, *args: Any, **kwargs: Any) -> Any:
    encoding = response.headers.get("content-encoding", "").strip().lower()
    if encoding not in ("", "identity"):
        response.close()
        raise ValueError(f"the app answered with Content-Encoding: {encoding[:40]} although "
                         "kata asked for identity; kata did not decode it")
    response.raw = _CappedRaw(response.raw)
    return response


def _bounded_clients() -> None:
    """Whatever a locustfile asks, its clients talk to the app only: no redirect followed
    (the app could aim the load — bodies included — at the grading host; a redirect is an
    answer), no compression asked for or decoded, no body read past MAX_BODY_BYTES."""
    from geventhttpclient.useragent import CompatResponse
    from locust.clients import HttpSession
    from locust.contrib.fasthttp import FastHttpSession, FastHttpUser

    def identity(headers: Any) -> dict:
        headers = dict(headers or {})
        if not any(k.lower() == "accept-encoding" for k in headers):
            headers["Accept-Encoding"] = "identity"
        return headers

    fast_request = FastHttpSession.request

    def fast(self, method, url, *args, headers=None, allow_redirects=False, **kwargs):
        return fast_request(self, method, url, *args, headers=identity(headers),  # type: ignore[misc]
                            allow_redirects=False, **kwargs)

    FastHttpSession.request = fast  # type: ignore[method-assign]
    FastHttpUser.max_redirects = 0

    session_request = HttpSession.request

    def plain(self, method, url, *args, headers=None, allow_redirects=False, **kwargs):
        self.max_redirects = 0
        return session_request(self, method, url, *args, headers=identity(headers),
                               allow_redirects=False, **kwargs)

    HttpSession.request = plain  # type: ignore[method-assign]
    session_init = HttpSession.__init__

    def with_cap(self, *args, **kwargs) -> None:
        session_init(self, *args, **kwargs)
        self.hooks["response"].append(_capped_requests_body)

    HttpSession.__init__ = with_cap  # type: ignore[method-assign]

    def content(self) -> bytes:
        encoding = (self.headers.getlist("content-encoding") or ["identity"])[0].lower()
        try:
            if encoding.strip() not in ("", "identity"):
                raise ValueError(f"the app answered with Content-Encoding: {encoding[:40]} "
                                 "although kata asked for identity; kata did not decode it")
            body = bytearray()
            while len(body) <= MAX_BODY_BYTES:  # bounded: stops past the cap
                chunk = self._response.read(2**16)
                if not chunk:
                    return bytes(body)
                body += chunk
            raise ValueError(f"the body is over {MAX_BODY_BYTES // 2**20} MB; "
                             "kata stopped reading it")
        finally:
            self.release()

    CompatResponse._content = content  # type: ignore[method-assign]

    from geventhttpclient.response import HTTPParseError, HTTPSocketResponse

    read_headers = HTTPSocketResponse._read_headers

    def bounded_headers(self, pre_buffered: bytes = b"") -> None:
        """geventhttpclient keeps every header it is sent: 10 million of them took the
        child past 1.3 GB, a 100 MB line took minutes."""
        feed, seen = self.feed, [0]

        def counted(data) -> None:
            if seen[0] > MAX_HEAD_BYTES and not self.headers_complete:
                raise HTTPParseError(f"the status line and headers are over "
                                     f"{MAX_HEAD_BYTES // 1024} KB; kata stopped reading them")
            seen[0] += len(data)
            feed(data)

        self.feed = counted
        try:
            read_headers(self, pre_buffered)
        finally:
            del self.feed

    HTTPSocketResponse._read_headers = bounded_headers  # type: ignore[method-assign]


def _cpu_seconds() -> float:
    t = os.times()
    return t.user + t.system


def _quantiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"p50": 0.0, "p95": 0.0, "n": 0}
    ordered = sorted(values)
    def at(q: float) -> float:
        return ordered[min(int(q * len(ordered)), len(ordered) - 1)]

    return {"p50": round(at(0.5), 2), "p95": round(at(0.95), 2), "n": len(ordered)}


def _stats(env: Any, measured_s: float) -> dict:
    total = env.stats.total
    n = total.num_requests

    def pct(entry, p: float) -> float:
        return float(entry.get_response_time_percentile(p) or 0) if entry.num_requests else 0.0

    endpoints = [
        {
            "name": e.name,
            "method": e.method,
            "requests": e.num_requests,
            "failures": e.num_failures,
            "p95_ms": pct(e, 0.95),
            "avg_ms": round(e.avg_response_time, 2),
        }
        for e in sorted(env.stats.entries.values(), key=lambda e: (e.name, e.method or ""))
    ]
    errors = [
        {"method": e.method, "name": e.name, "error": str(e.error)[:300],
         "occurrences": e.occurrences}
        for e in sorted(env.stats.errors.values(), key=lambda e: -e.occurrences)[:5]
    ]
    return {
        "requests": n,
        "failures": total.num_failures,
        "measured_s": round(measured_s, 3),
        "rps": round(n / measured_s, 2) if measured_s > 0 else 0.0,
        "p50_ms": pct(total, 0.50),
        "p95_ms": pct(total, 0.95),
        "p99_ms": pct(total, 0.99),
        "max_ms": round(total.max_response_time or 0.0, 2),
        "endpoints": endpoints,
        "errors": errors,
    }


def run(profile: dict) -> dict:
    import gevent
    import gevent.event
    from locust.env import Environment
    from locust.util.load_locustfile import load_locustfile

    users_by_name, _ = load_locustfile(profile["locustfile"])
    wanted = profile.get("user_classes") or sorted(users_by_name)
    classes = [users_by_name[name] for name in wanted]
    if not classes:
        raise SystemExit(f"no locust User classes in {profile['locustfile']}")
    env = Environment(user_classes=classes, host=profile["host"], catch_exceptions=True)
    runner = env.create_local_runner()

    users = int(profile["users"])
    max_requests = int(profile["max_requests"])
    warmup_s = float(profile.get("warmup_s", 1.0))
    duration_s = float(profile["duration_s"])
    state: dict[str, Any] = {"measuring": False, "stopped_by": "time", "count": 0}

    def on_request(**_kw) -> None:
        if state["measuring"]:
            state["count"] += 1
            if state["count"] >= max_requests and state["stopped_by"] == "time":
                state["stopped_by"] = "requests"
                done.set()

    env.events.request.add_listener(on_request)
    done = gevent.event.Event()

    samples: list[tuple[float, float]] = []
    lags: list[float] = []

    def sample_cpu() -> None:
        while True:
            samples.append((time.monotonic(), _cpu_seconds()))
            gevent.sleep(1.0)

    def sample_lag() -> None:
        """How late a 50 ms sleep wakes up: a busy (or starved) event loop answers late,
        and every response time it records is late by as much."""
        while True:
            before = time.monotonic()
            gevent.sleep(LAG_TICK_S)
            if state["measuring"]:
                lags.append(max(time.monotonic() - before - LAG_TICK_S, 0.0) * 1000)

    sampler = gevent.spawn(sample_cpu)
    lag_sampler = gevent.spawn(sample_lag)
    runner.start(users, spawn_rate=float(profile.get("spawn_rate", users)))
    spawn_deadline = time.monotonic() + float(profile.get("spawn_timeout_s", 30))
    while runner.user_count < users and time.monotonic() < spawn_deadline:
        gevent.sleep(0.05)
    gevent.sleep(warmup_s)

    env.stats.reset_all()
    samples.clear()
    started, cpu0 = time.monotonic(), _cpu_seconds()
    samples.append((started, cpu0))
    state["measuring"] = True
    done.wait(timeout=duration_s)
    state["measuring"] = False
    ended, cpu1 = time.monotonic(), _cpu_seconds()
    samples.append((ended, cpu1))
    result = _stats(env, ended - started)
    spawned = runner.user_count
    sampler.kill()
    lag_sampler.kill()
    runner.quit()
    result.update(
        users=spawned,
        stopped_by=state["stopped_by"],
        cpu_samples=[[round(t - started, 3), round(c - cpu0, 4)] for t, c in samples],
        cpu_pct=round(100.0 * (cpu1 - cpu0) / max(ended - started, 1e-6), 1),
        loop_lag_ms=_quantiles(lags),
    )
    return result


def main() -> None:
    from gevent import monkey

    monkey.patch_all()
    import locust  # noqa: F401  (after patching, as locust itself would)

    _bounded_clients()

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    profile = json.loads(sys.argv[1])
    result = run(profile)
    sys.stdout.write(MARKER + json.dumps(result) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
