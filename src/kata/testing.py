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

import queue
import random
import shlex
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, cast

import httpx
import pytest

from kata._poll import wait_until
from kata.repofiles import RepoFiles
from kata.sandbox.base import (
    Address,
    AppHandle,
    Completed,
    ImageFacts,
    Rebuilt,
    ServiceHandle,
    Stopped,
)

requirement = pytest.mark.requirement

__all__ = ["AppMisbehaved", "GradedApp", "Replay", "requirement", "expect_status", "trim",
           "said", "expect", "json_of", "is_int",
           "describe", "capped_client"]

REQUEST_TIMEOUT_S = 10.0
MAX_BODY_BYTES = 32 * 2**20  # kata stops reading a response body there
REPLAY_STEPS = 8  # a replay is at most this many requests (or commands): the last ones


class AppMisbehaved(Exception):
    """A grader helper's way to say the app's answer is unusable (a closed connection, no
    reply, a frame it cannot parse): the learner's failure. Any other exception a grader
    raises outside an assertion is a bug in the grader, and kata's."""


class BodyTooLarge(AppMisbehaved):
    pass


class EncodingRefused(AppMisbehaved):
    """The app compressed a body kata did not ask to be compressed (kata asks for
    ``identity``): decoding it would let a small bomb fill kata's memory."""


# What kata's HTTP clients ask for, so the cap on what arrives is a cap on what is read.
IDENTITY = {"Accept-Encoding": "identity"}
_DECODED_STEP = 2**16  # a decoder yields at most this much per call: the cap holds in between


def _shadow_decoder(encoding: str) -> Callable[[bytes], int] | None:
    """Counts what ``encoding`` decodes to without keeping it (gzip and deflate only);
    None for encodings kata will not decode."""
    if encoding not in ("gzip", "x-gzip", "deflate"):
        return None
    gzip = "gzip" in encoding
    decoder = zlib.decompressobj(zlib.MAX_WBITS | (16 if gzip else 0))
    started = False

    def step(data: bytes) -> int:
        nonlocal decoder, started
        try:
            out = len(decoder.decompress(data, _DECODED_STEP))
        except zlib.error:
            if gzip or started:
                raise
            decoder = zlib.decompressobj(-zlib.MAX_WBITS)  # deflate without its zlib header
            out = len(decoder.decompress(data, _DECODED_STEP))
        started = True
        return out

    def count(data: bytes) -> int:
        n = step(data)
        while decoder.unconsumed_tail and n <= MAX_BODY_BYTES:  # bounded: stops past the cap
            n += step(decoder.unconsumed_tail)
        return n

    return count


class _CappedBody(httpx.SyncByteStream):
    """A response body read only up to MAX_BODY_BYTES, so an app cannot fill kata's memory.
    A compressed body (only when the grader asked for one) is capped on what it decodes
    to, counted here in steps before httpx decodes it."""

    def __init__(self, stream: httpx.SyncByteStream, what: str,
                 decoded: Callable[[bytes], int] | None = None) -> None:
        self._stream, self._what, self._decoded = stream, what, decoded

    def __iter__(self):
        seen = 0
        for chunk in self._stream:
            seen += self._decoded(chunk) if self._decoded is not None else len(chunk)
            if seen > MAX_BODY_BYTES:
                raise BodyTooLarge(f"{self._what}: the body is over {MAX_BODY_BYTES // 2**20} MB"
                                   f"{' decoded' if self._decoded else ''}; "
                                   "kata stopped reading it")
            yield chunk

    def close(self) -> None:
        self._stream.close()


class HeadersTooLarge(AppMisbehaved):
    pass


class RedirectRefused(AppMisbehaved):
    """A request aimed anywhere but the app: a redirect the app answered, followed."""


class _CappedTransport(httpx.HTTPTransport):
    """Caps every body at what it decodes to, and sends nothing anywhere but the app's own
    address (``only``, host:port): a redirect followed to elsewhere would let the app aim
    kata's requests at the grading host."""

    def __init__(self, only: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._only = only

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        target = f"{request.url.host}:{request.url.port or 80}"
        if self._only and target != self._only:
            raise RedirectRefused(f"{request.method} {request.url.path}: kata sends requests "
                                  f"only to the app, not to {target}")
        what = f"{request.method} {request.url.path}"
        try:
            response = super().handle_request(request)
        except httpx.RemoteProtocolError as e:
            if "too long" not in str(e):
                raise
            # h11 holds at most ~100 KB of an unfinished status line and headers
            raise HeadersTooLarge(f"{what}: the status line and headers are over 100 KB; "
                                  "kata stopped reading them") from None
        encodings = [e.strip().lower() for e in
                     response.headers.get("content-encoding", "").split(",") if e.strip()]
        encodings = [e for e in encodings if e != "identity"]
        decoded = None
        if encodings:
            asked = request.headers.get("accept-encoding", "").lower()
            counter = _shadow_decoder(encodings[0]) if len(encodings) == 1 else None
            if asked.strip() in ("", "identity") or counter is None:
                response.close()
                raise EncodingRefused(
                    f"{what}: the app answered with Content-Encoding: "
                    f"{response.headers['content-encoding'][:40]} although kata asked for "
                    f"{asked or 'no encoding'}; kata did not decode it")
            decoded = counter
        stream = cast(httpx.SyncByteStream, response.stream)  # a sync transport's
        response.stream = _CappedBody(stream, what, decoded)
        return response


class _NoFollowClient(httpx.Client):
    """A client that never follows a redirect, so never needs the next request either:
    httpx builds it from every Location, and one that is no http URL (``javascript:x``)
    would raise InvalidURL, kata's error, instead of reaching the grader as the app's
    answer it is."""

    def _build_redirect_request(self, request: httpx.Request,
                                response: httpx.Response) -> httpx.Request:
        try:
            return super()._build_redirect_request(request, response)
        except httpx.InvalidURL:
            return cast(httpx.Request, None)  # response.next_request: none to follow


def capped_client(base_url: str, timeout: float, **kwargs: Any) -> httpx.Client:
    """An httpx client for talking to the learner's app: bodies capped, no compression
    asked for (or accepted unasked), no redirect followed."""
    headers = {**IDENTITY, **kwargs.pop("headers", {})}
    url = httpx.URL(base_url)
    only = _CappedTransport(only=f"{url.host}:{url.port or 80}")
    return _NoFollowClient(base_url=base_url, timeout=timeout, transport=only,
                           headers=headers, follow_redirects=False, **kwargs)


def trim(text: str, limit: int = 300) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe(r: httpx.Response) -> str:
    """`201 {"id": 1, …}` — a response as one short line."""
    return f"{r.status_code} {trim(r.text, 160)}".strip()


def said(r: httpx.Response, headers: tuple[str, ...] = ()) -> str:
    """`POST /items {"name":"pen"}` — the request behind a response, as one short line.
    ``headers`` names request headers worth showing, when the test is about them
    (credentials): `GET /me [Authorization: Bearer eyJ…]`, or `[no Authorization]`."""
    req = r.request
    body = req.content.decode("utf-8", "replace")
    shown = [f"{name.title()}: {trim(req.headers[name], 60)}" for name in headers
             if name in req.headers]
    if headers and not shown:
        shown = ["no " + " or ".join(name.title() for name in headers)]
    extra = f" [{'; '.join(shown)}]" if shown else ""
    return trim(f"{req.method} {req.url.raw_path.decode()}{extra} {body}".strip(),
                260 if headers else 200)


def expect(r: httpx.Response, *codes: int, why: str = "", headers: tuple[str, ...] = ()) -> None:
    """Fail unless the status is one of ``codes``, naming the request and, in ``why``,
    what it tests: `POST /items {…} (a duplicate name) → expected 409, got 200 {…}`."""
    if r.status_code not in codes:
        want = " or ".join(str(c) for c in codes)
        because = f" ({why})" if why else ""
        raise AssertionError(
            f"{said(r, headers)}{because} → expected {want}, got {describe(r)}")


def json_of(r: httpx.Response, headers: tuple[str, ...] = ()) -> Any:
    """The body as JSON; a body that is not JSON fails the test as the app's answer."""
    try:
        return r.json()
    except ValueError:
        raise AssertionError(
            f"{said(r, headers)} → expected a JSON body, got {describe(r)}") from None


def is_int(value: Any) -> bool:
    """An integer in JSON (true and false are not)."""
    return isinstance(value, int) and not isinstance(value, bool)


def expect_status(r: httpx.Response, *codes: int) -> None:
    if r.status_code not in codes:
        want = " or ".join(str(c) for c in codes)
        raise AssertionError(
            f"{r.request.method} {r.request.url.path} → expected {want}, got {describe(r)}"
        )


def curl(request: httpx.Request, address: tuple[str, int] | None = None) -> str:
    """The request as a command a learner can paste: aimed at ``address`` (the kept app's
    published address under --keep), else at localhost and the app's port, for a learner
    running their app locally (`docker run -p PORT:PORT …`): kata's container address is
    gone by then."""
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
    host, port = address or ("localhost", url.port or 80)
    parts.append(f"http://{host}:{port}{url.raw_path.decode()}")
    return " ".join(shlex.quote(p) for p in parts)


class Replay:
    """The last REPLAY_STEPS commands of a check, for bash, one a line: a stateful failure
    (pagination, persistence) replays the state it needed, not only its last request.
    A grader adds each command it runs and puts ``script()`` in the evidence as "replay"."""

    def __init__(self) -> None:
        self.steps: list[str] = []
        self.count = 0

    def add(self, command: str) -> None:
        self.steps = [*self.steps[1 - REPLAY_STEPS:], command]
        self.count += 1

    def script(self) -> str:
        if self.count <= len(self.steps):
            return "\n".join(self.steps)
        head = f"# the last {len(self.steps)} of the {self.count} steps of this check"
        return "\n".join([head, *self.steps])


@dataclass
class Exchange:
    request: httpx.Request
    response: httpx.Response | None = None

    def evidence(self, address: tuple[str, int] | None = None) -> dict[str, str]:
        req = self.request
        body = req.content.decode("utf-8", "replace")
        out = {"request": trim(f"{req.method} {req.url.raw_path.decode()} {body}".strip())}
        if self.response is not None:
            try:  # never read (or wait for) a body here: an app may dribble it for ever
                out["response"] = describe(self.response)
            except httpx.ResponseNotRead:
                out["response"] = f"{self.response.status_code} (the body did not arrive in full)"
        out["replay"] = curl(req, address)
        return out


class ClientPool:
    """Clients lent to threads, each client to one thread at a time: borrow one with
    ``with pool.one() as client:``; a borrower waits while every client is out."""

    def __init__(self, clients: list[httpx.Client]) -> None:
        self.clients = clients
        self._free: queue.SimpleQueue[httpx.Client] = queue.SimpleQueue()
        for c in clients:
            self._free.put(c)

    @contextmanager
    def one(self) -> Iterator[httpx.Client]:
        client = self._free.get()
        try:
            yield client
        finally:
            self._free.put(client)

    def close(self) -> None:
        for c in self.clients:
            c.close()


@dataclass
class GradedApp:
    """The learner's app as a grader test sees it."""

    handle: AppHandle
    services: dict[str, ServiceHandle]
    seed: int
    thresholds: dict[str, dict[str, Any]] = field(default_factory=dict)
    # The environment the exercise gives the app ([app] env), for graders that act as a
    # party the app trusts: e.g. a signing key, to forge tokens the app must refuse.
    env: dict[str, str] = field(default_factory=dict)
    # The learner's repository, read-only and bounded, for graders of files (a workflow, a
    # document); None when kata grades no repository (a unit test).
    files: RepoFiles | None = None
    # The engine's rebuild of a changed copy of the learner's context (graders of images).
    _rebuild: Callable[[dict[str, str]], Rebuilt] | None = None
    # Each service's ready command (exercise.toml), run after an outage to know it is back.
    service_ready: dict[str, list[str]] = field(default_factory=dict)
    exchanges: list[Exchange] = field(default_factory=list)
    # What the current test measured and wants shown, even when it passes.
    measurements: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    # Evidence a non-HTTP grader attaches for the report, e.g. {"replay": "printf … | nc"}.
    evidence: dict[str, str] = field(default_factory=dict)
    # kata stopped the app on purpose (``stop()``): its exit is the test's doing, not a crash
    stopped_by_kata: bool = False
    _ready: Any = None  # callable that waits until the app answers again
    # the contract stage's: ends a measured check's time alone on the host (share_host)
    _share: Callable[[], None] | None = None
    _http: httpx.Client | None = None

    @property
    def address(self) -> Address:
        """Where the app answers kata, as the sandbox hands it out: (host, port)."""
        return self.handle.address

    @property
    def host(self) -> str:
        return self.handle.address.host

    @property
    def port(self) -> int:
        return self.handle.address.port

    @property
    def replay_address(self) -> tuple[str, int]:
        """Where a replay aims: the kept app's loopback address under --keep (the handle's
        ``published``, "127.0.0.1:PORT"), else localhost and the app's own port."""
        published = getattr(self.handle, "published", "")
        if published:
            host, _, port = published.rpartition(":")
            return host, int(port)
        return "localhost", self.handle.port

    @property
    def kept(self) -> tuple[str, str] | None:
        """(image, data volume) of a CLI app kept with --keep, which CLI replays name."""
        image, volume = (getattr(self.handle, "kept_image", ""),
                         getattr(self.handle, "kept_volume", ""))
        return (image, volume) if image else None

    def failure_evidence(self) -> dict[str, str]:
        """The evidence of a failed test: its last exchange (request and answer), and a
        replay of the test's last requests, in order, aimed at ``replay_address``."""
        if not self.exchanges:
            return {}
        address = self.replay_address  # not where kata reached it: the learner's side
        out = self.exchanges[-1].evidence(address)
        replay = Replay()
        replay.count = max(0, len(self.exchanges) - REPLAY_STEPS)  # the ones not written
        for e in self.exchanges[-REPLAY_STEPS:]:
            replay.add(curl(e.request, address))
        out["replay"] = replay.script()
        return out

    @property
    def base_url(self) -> str:
        return self.handle.address.url

    @property
    def http(self) -> httpx.Client:
        if self._http is None:
            self._http = self.client()
        return self._http

    def client(self, **kwargs: Any) -> httpx.Client:
        """A new client for the app with a cookie jar of its own (a second browser, another
        user), capped like ``http`` and recording its exchanges as evidence the same way;
        ``kwargs`` go to httpx.Client (headers, event_hooks…). The caller closes it."""
        hooks = kwargs.pop("event_hooks", {})
        return capped_client(
            self.base_url,
            REQUEST_TIMEOUT_S,
            event_hooks={"request": [self._record, *hooks.get("request", [])],
                         "response": [self._answer, *hooks.get("response", [])]},
            **kwargs,
        )

    @contextmanager
    def clients(self, n: int, **kwargs: Any) -> Iterator[ClientPool]:
        """``n`` clients (as ``client(**kwargs)``) for ``n`` threads, closed on leaving. Give
        each request in flight a client of its own: one httpx client shared by 50 threads
        lost a request in a thousand to its own pool ("Bad file descriptor"), kata's failure
        shown as the app's."""
        pool = ClientPool([self.client(**kwargs) for _ in range(n)])
        try:
            yield pool
        finally:
            pool.close()

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

    def share_host(self) -> None:
        """In a measured check: the part that needed the host to itself is over (a kill has
        landed at its moment, say), and the rest shares it with neighbour gradings' checks:
        what follows may have a generous deadline, but no figure a neighbour could distort.
        Elsewhere, nothing."""
        if self._share is not None:
            self._share()

    def rng(self, salt: str = "") -> random.Random:
        """Seeded randomness, so a failure is reproducible from the seed in the report."""
        return random.Random(f"{self.seed}:{salt}")

    def restart(self) -> None:
        """Restart the app container and wait until it answers again."""
        if self._http is not None:
            self._http.close()
            self._http = None
        self.handle.restart()
        self.stopped_by_kata = False
        if self._ready is not None:
            self._ready()

    def run(self, *args: str, stdin: str | None = None, timeout_s: float = 30,
            env: dict[str, str] | None = None, fresh: bool = False,
            entrypoint: list[str] | None = None) -> Completed:
        """Run the image once as a command; ``env`` adds to or overrides the app's env.
        Runs exec in one container kept for the grade (a container start costs more than
        most commands); ``fresh=True`` runs in a new one, for checks of what survives it.
        ``entrypoint`` replaces the image's ENTRYPOINT and kata.toml's command
        (`docker run --entrypoint`): ``app.run("-c", line, entrypoint=["sh"])``."""
        return self.handle.run(list(args), stdin=stdin, timeout_s=timeout_s, env=env,
                               fresh=fresh, entrypoint=entrypoint)

    def start_again(self, port: int, env: dict[str, str], entrypoint: list[str] | None = None,
                    command: list[str] | None = None, user: str | None = None,
                    read_only: bool = False, tmpfs: list[str] | None = None) -> GradedApp:
        """The app's image started a second time as a server, the way another runtime
        would start it (a Kubernetes Deployment's container): only ``env`` (not the
        exercise's), ``entrypoint``/``command`` replacing ENTRYPOINT/CMD (`docker run
        --entrypoint`), ``user``, a ``read_only`` root filesystem with ``tmpfs`` mount
        points. It answers on ``port`` at the returned app's ``address`` (its ``http`` is
        capped and records evidence as this one's); it has the app's limits and network
        and is removed with the run. The caller waits for it to answer."""
        handle = self.handle.start_again(port, env, entrypoint=entrypoint, command=command,
                                         user=user, read_only=read_only, tmpfs=tmpfs)
        return GradedApp(handle=handle, services={}, seed=self.seed)

    @contextmanager
    def outage(self, name: str, ready_timeout_s: float = 60) -> Iterator[None]:
        """Stop the service ``name`` for the block (fault injection); on leaving it, start
        the service again with its data and wait until its ready command succeeds. The
        report notes what kata did and when."""
        service = self.services[name]
        began = time.monotonic()
        service.stop()
        self.notes.append(f"kata stopped the service {name!r} at 0.0 s of this test")
        try:
            yield
        finally:
            back = time.monotonic() - began
            service.start()
            ready = self.service_ready.get(name)
            ok = ready is None or wait_until(
                lambda: service.exec(ready, timeout_s=5).code == 0, ready_timeout_s,
                every_s=0.3)
            self.notes.append(f"kata started {name!r} again at {back:.1f} s; ready at "
                              f"{time.monotonic() - began:.1f} s")
            if not ok:  # the machine's problem, not the learner's: an error, kata's
                raise RuntimeError(f"the service {name!r} was not ready again "
                                   f"{ready_timeout_s:.0f} s after kata restarted it")

    @property
    def image(self) -> ImageFacts:
        """What the learner's image, as built for this grade, says: user, CMD, HEALTHCHECK…"""
        return self.handle.image_facts()

    def image_facts(self, tag: str) -> ImageFacts:
        """What another local image says (e.g. a base image, for a size budget)."""
        return self.handle.image_facts(tag)

    def image_contains(self, tag: str, needle: bytes) -> list[str]:
        """The entries of the saved image (each layer, the config holding the history and
        ENV) whose bytes contain ``needle``: a planted secret that reached the image."""
        return self.handle.image_contains(tag, needle)

    def health(self) -> str | None:
        """The app container's health ("starting", "healthy", "unhealthy"), None without
        a HEALTHCHECK."""
        return self.handle.health()

    def stop(self, timeout_s: float = 10) -> Stopped:
        """SIGTERM the app and wait up to ``timeout_s`` for it to exit, then kill it. It
        stays stopped until ``restart()`` (the next test's fixture revives it)."""
        if self._http is not None:
            self._http.close()
            self._http = None
        stopped = self.handle.stop(timeout_s)
        self.stopped_by_kata = True
        self.notes.append(f"kata sent SIGTERM to the app; it ended in {stopped.seconds:.1f} s "
                          + ("(killed after the grace period)" if stopped.killed
                             else f"with exit code {stopped.exit_code}"))
        return stopped

    def rebuild(self, add: dict[str, str] | None = None) -> Rebuilt:
        """Build a copy of the learner's build context with ``add`` written into it
        (relative path -> text): the same Dockerfile, limits and network rules as the
        grade's build; its image is removed with the run."""
        if self._rebuild is None:
            raise RuntimeError("this grade has no build to repeat")
        return self._rebuild(dict(add or {}))

    def revive(self) -> bool:
        """Start the app again if an earlier test left it dead, so one crash costs the
        requirement that caused it and not every one graded after it. True if it did."""
        code, _ = self.handle.exit_status()
        if code is None:
            return False
        self.restart()
        return True

    def logs(self, tail_bytes: int = 4000, tail_lines: int = 200) -> str:
        """The app's last ``tail_lines`` lines of output, at most ``tail_bytes`` (a grader of
        logs asks for more: e.g. 2,000 lines, 1 MB)."""
        return self.handle.logs(tail_bytes, tail_lines)

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None
