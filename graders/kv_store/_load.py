"""A closed-loop RESP load driver on asyncio: N connections, each sending one command and
waiting for its reply before the next (as N application clients would; no pipelining, so
a server that cannot pipeline is not punished here), a seeded GET/SET mix over a fixed
key space, for a fixed time after a warm-up.

Latency is measured per command. A command still unanswered when time is up counts with
the time it has waited so far — so a server that serves some clients and starves the
others shows it in the p99 instead of hiding it. Pure asyncio; no kata imports, so the
bench (bench/bench_resp_driver.py) measures exactly this code.
"""

from __future__ import annotations

import asyncio
import random
import socket
import time
from dataclasses import dataclass, field


@dataclass
class LoadResult:
    connections: int
    seconds: float  # the measured window (warm-up excluded)
    ops: int  # commands answered inside the window
    errors: int  # error replies, unexpected replies, dropped connections
    first_error: str
    latencies_ms: list[float] = field(repr=False, default_factory=list)
    starved: int = 0  # connections with no answer at all in the window
    unanswered: int = 0  # commands still waiting when time was up
    connect_failures: int = 0

    @property
    def ops_per_s(self) -> float:
        return self.ops / self.seconds if self.seconds > 0 else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return float("inf")
        ordered = sorted(self.latencies_ms)
        k = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))
        return ordered[k]


def _bulk(raw: bytes) -> bytes:
    return b"$%d\r\n%s\r\n" % (len(raw), raw)


def commands(seed: str, conn: int, count: int, keys: int, set_share: float,
             value_size: int) -> list[tuple[bytes, bool]]:
    """(encoded command, is_set) — a seeded GET/SET mix for one connection."""
    rng = random.Random(f"{seed}:{conn}")
    out = []
    for _ in range(count):
        key = b"load:%s:%d" % (seed.encode(), rng.randrange(keys))
        if rng.random() < set_share:
            value = bytes(rng.choice(b"abcdefghijklmnopqrstuvwxyz") for _ in range(value_size))
            out.append((b"*3\r\n$3\r\nSET\r\n" + _bulk(key) + _bulk(value), True))
        else:
            out.append((b"*2\r\n$3\r\nGET\r\n" + _bulk(key), False))
    return out


def reply_end(buf: bytearray) -> int:
    """Where the first complete reply in ``buf`` ends (GET/SET replies only), or -1."""
    end = buf.find(b"\r\n")
    if end < 0:
        return -1
    if buf[:1] == b"$":
        n = int(buf[1:end])
        if n < 0:
            return end + 2
        return end + 2 + n + 2 if len(buf) >= end + 2 + n + 2 else -1
    return end + 2


class _Client(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buf = bytearray()
        self.waiter: asyncio.Future[bytes] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        self.buf += data
        if self.waiter is not None and not self.waiter.done():
            end = reply_end(self.buf)
            if end >= 0:
                reply = bytes(self.buf[:end])
                del self.buf[:end]
                self.waiter.set_result(reply)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(ConnectionError("the server closed the connection"))

    def ask(self, command: bytes) -> asyncio.Future[bytes]:
        assert self.transport is not None
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(command)
        return self.waiter


async def _drive(host: str, port: int, connections: int, duration_s: float, warmup_s: float,
                 keys: int, set_share: float, value_size: int, seed: str,
                 connect_timeout_s: float) -> LoadResult:
    loop = asyncio.get_running_loop()
    result = LoadResult(connections=connections, seconds=duration_s, ops=0, errors=0,
                        first_error="")
    clients: list[_Client] = []
    for _ in range(connections):
        try:
            _, client = await asyncio.wait_for(
                loop.create_connection(_Client, host, port), connect_timeout_s)
        except (TimeoutError, OSError) as e:
            result.connect_failures += 1
            result.first_error = result.first_error or f"connect: {type(e).__name__}"
            continue
        clients.append(client)
    start = time.perf_counter()
    measure_from = start + warmup_s
    stop_at = measure_from + duration_s
    pending: dict[int, float] = {}  # client index -> when its unanswered command was sent
    answered = [0] * len(clients)

    def fail(why: str) -> None:
        result.errors += 1
        result.first_error = result.first_error or why

    async def run(i: int, client: _Client) -> None:
        mix = commands(seed, i, 256, keys, set_share, value_size)
        n = 0
        lat = result.latencies_ms
        while True:
            sent = time.perf_counter()
            if sent >= stop_at:
                return
            command, is_set = mix[n % len(mix)]
            n += 1
            pending[i] = sent
            try:
                reply = await client.ask(command)
            except ConnectionError as e:
                fail(str(e))
                return
            done = time.perf_counter()
            del pending[i]
            if done > stop_at:
                return  # answered after the window: neither counted nor waited for
            if sent >= measure_from:
                result.ops += 1
                answered[i] += 1
                lat.append((done - sent) * 1000.0)
            if is_set:
                if reply != b"+OK\r\n":
                    fail(f"SET answered {reply[:60]!r}, expected +OK")
            elif reply[:1] != b"$":
                fail(f"GET answered {reply[:60]!r}, expected a bulk string or nil")

    tasks = [asyncio.ensure_future(run(i, c)) for i, c in enumerate(clients)]
    await asyncio.wait(tasks, timeout=max(0.0, stop_at - time.perf_counter()) + 0.5)
    end = time.perf_counter()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    for sent in pending.values():  # still waiting: censored at the time waited so far
        result.unanswered += 1
        result.latencies_ms.append((end - max(sent, measure_from)) * 1000.0)
    result.starved = sum(1 for n in answered if n == 0) + result.connect_failures
    for c in clients:
        if c.transport is not None:
            c.transport.abort()
    return result


def drive(host: str, port: int, *, connections: int = 50, duration_s: float = 3.0,
          warmup_s: float = 0.5, keys: int = 1000, set_share: float = 0.2,
          value_size: int = 64, seed: str = "1", connect_timeout_s: float = 5.0) -> LoadResult:
    """Run the load in a fresh event loop (uvloop when installed) and return what it saw."""
    runner = _loop_factory()
    coro = _drive(host, port, connections, duration_s, warmup_s, keys, set_share, value_size,
                  seed, connect_timeout_s)
    if runner is None:
        return asyncio.run(coro)
    with asyncio.Runner(loop_factory=runner) as r:
        return r.run(coro)


def _loop_factory():
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop
