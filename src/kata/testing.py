"""What grader tests import. A grader test is a pytest test marked with the requirement
it checks; it receives ``app``, a handle on the learner's running app:

    from kata.testing import requirement, expect_status

    @requirement("create-201")
    def test_create(app):
        r = app.http.post("/items", json={"name": "pen"})
        expect_status(r, 201)

The assertion message is what the learner reads, so say what was sent, what was
expected and what came back. ``app.http`` records each exchange; the last one of a
failing test becomes the evidence in the report (with a curl line to replay it).
"""

from __future__ import annotations

import json
import random
import shlex
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from kata.sandbox.base import AppHandle, Completed, ServiceHandle

requirement = pytest.mark.requirement

__all__ = ["AppMisbehaved", "GradedApp", "requirement", "expect_status", "trim", "describe"]

REQUEST_TIMEOUT_S = 10.0
MAX_BODY_BYTES = 32 * 2**20  # kata stops reading a response body there


class AppMisbehaved(Exception):
    """A grader helper's way to say the app's answer is unusable (a closed connection, no
    reply, a frame it cannot parse): the learner's failure. Any other exception a grader
    raises outside an assertion is a bug in the grader, and kata's."""


class BodyTooLarge(AppMisbehaved):
    pass


class _CappedBody(httpx.SyncByteStream):
    """A response body read only up to MAX_BODY_BYTES, so an app cannot fill kata's memory."""

    def __init__(self, stream: httpx.SyncByteStream, what: str) -> None:
        self._stream, self._what = stream, what

    def __iter__(self):
        seen = 0
        for chunk in self._stream:
            seen += len(chunk)
            if seen > MAX_BODY_BYTES:
                raise BodyTooLarge(f"{self._what}: the body is over {MAX_BODY_BYTES // 2**20} MB; "
                                   "kata stopped reading it")
            yield chunk

    def close(self) -> None:
        self._stream.close()


class _CappedTransport(httpx.HTTPTransport):
    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        response.stream = _CappedBody(response.stream, f"{request.method} {request.url.path}")
        return response


def trim(text: str, limit: int = 300) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe(r: httpx.Response) -> str:
    """`201 {"id": 1, …}` — a response as one short line."""
    return f"{r.status_code} {trim(r.text, 160)}".strip()


def expect_status(r: httpx.Response, *codes: int) -> None:
    if r.status_code not in codes:
        want = " or ".join(str(c) for c in codes)
        raise AssertionError(
            f"{r.request.method} {r.request.url.path} → expected {want}, got {describe(r)}"
        )


def curl(request: httpx.Request) -> str:
    """The request as a command a learner can paste while running their app locally
    (`docker run -p PORT:PORT …`): the container address kata used is gone by then."""
    parts = ["curl", "-i", "-X", request.method]
    ctype = request.headers.get("content-type")
    if ctype:
        parts += ["-H", f"content-type: {ctype}"]
    if auth := request.headers.get("authorization"):
        parts += ["-H", f"authorization: {auth}"]
    body = request.content.decode("utf-8", "replace")
    if body:
        parts += ["--data", body]
    url = request.url
    parts.append(f"http://localhost:{url.port or 80}{url.raw_path.decode()}")
    return " ".join(shlex.quote(p) for p in parts)


@dataclass
class Exchange:
    request: httpx.Request
    response: httpx.Response | None = None

    def evidence(self) -> dict[str, str]:
        req = self.request
        body = req.content.decode("utf-8", "replace")
        out = {"request": trim(f"{req.method} {req.url.raw_path.decode()} {body}".strip())}
        if self.response is not None:
            try:  # never read (or wait for) a body here: an app may dribble it for ever
                out["response"] = describe(self.response)
            except httpx.ResponseNotRead:
                out["response"] = f"{self.response.status_code} (the body did not arrive in full)"
        out["replay"] = curl(req)
        return out


@dataclass
class GradedApp:
    """The learner's app as a grader test sees it."""

    handle: AppHandle
    services: dict[str, ServiceHandle]
    seed: int
    thresholds: dict[str, dict[str, Any]] = field(default_factory=dict)
    exchanges: list[Exchange] = field(default_factory=list)
    # What the current test measured and wants shown, even when it passes.
    measurements: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    # Evidence a non-HTTP grader attaches for the report, e.g. {"replay": "printf … | nc"}.
    evidence: dict[str, str] = field(default_factory=dict)
    _ready: Any = None  # callable that waits until the app answers again
    _http: httpx.Client | None = None

    @property
    def host(self) -> str:
        return self.handle.ip

    @property
    def port(self) -> int:
        return self.handle.port

    @property
    def base_url(self) -> str:
        return f"http://{self.handle.ip}:{self.handle.port}"

    @property
    def http(self) -> httpx.Client:
        if self._http is None:
            self._http = httpx.Client(
                base_url=self.base_url,
                timeout=REQUEST_TIMEOUT_S,
                transport=_CappedTransport(),
                event_hooks={"request": [self._record], "response": [self._answer]},
            )
        return self._http

    def _record(self, request: httpx.Request) -> None:
        self.exchanges.append(Exchange(request))

    def _answer(self, response: httpx.Response) -> None:
        if self.exchanges and self.exchanges[-1].request is response.request:
            self.exchanges[-1].response = response

    def measure(self, note: str = "", **values: float) -> None:
        """Record numbers for the report (shown on pass too):
        ``app.measure("p99 4 ms", p99_ms=4)``."""
        self.measurements.update(values)
        if note:
            self.notes.append(note)

    def rng(self, salt: str = "") -> random.Random:
        """Seeded randomness, so a failure is reproducible from the seed in the report."""
        return random.Random(f"{self.seed}:{salt}")

    def restart(self) -> None:
        """Restart the app container and wait until it answers again."""
        if self._http is not None:
            self._http.close()
            self._http = None
        self.handle.restart()
        if self._ready is not None:
            self._ready()

    def run(self, *args: str, stdin: str | None = None, timeout_s: float = 30,
            env: dict[str, str] | None = None) -> Completed:
        """Run the image once as a command; ``env`` adds to or overrides the app's env."""
        return self.handle.run(list(args), stdin=stdin, timeout_s=timeout_s, env=env)

    def revive(self) -> bool:
        """Start the app again if an earlier test left it dead, so one crash costs the
        requirement that caused it and not every one graded after it. True if it did."""
        code, _ = self.handle.exit_status()
        if code is None:
            return False
        self.restart()
        return True

    def logs(self, tail_bytes: int = 4000) -> str:
        return self.handle.logs(tail_bytes)

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None


def json_line(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
