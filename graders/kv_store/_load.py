"""A closed-loop RESP load driver on asyncio: N connections, each sending one command and
waiting for its reply before the next (as N application clients would; no pipelining, so
a server that cannot pipeline is not punished here), a seeded GET/SET mix over a fixed
key space, for a fixed time after a warm-up.

Latency is measured per command. A command still unanswered when time is up counts with
the time it has waited so far — so a server that serves some clients and starves the
others shows it in the p99 instead of hiding it.

Each connection is driven from its protocol callbacks (no task or future per command), so
the driver's own cost per command is small: on 2 cores it reaches ~0.8× redis-benchmark's
rate against a real Redis, 20× the load threshold (bench/bench_resp_driver.py measures it).
Plain asyncio and no kata imports, so the bench measures exactly this code.
"""

from __future__ import annotations

import asyncio
import random
import socket
import time
from collections.abc import Callable
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


MAX_REPLY = 2**20  # a GET/SET reply of the load's small values: kata buffers no more


def reply_end(buf: bytearray) -> int:
    """Where the first complete reply in ``buf`` ends (GET/SET replies only), -1 if it has
    not fully arrived, -2 if it cannot be a reply (or would be over MAX_REPLY)."""
    end = buf.find(b"\r\n")
    if end < 0:
        return -1 if len(buf) <= MAX_REPLY else -2
    if buf[:1] == b"$":
        try:
            n = int(buf[1:end])
        except ValueError:
            return -2
        if n > MAX_REPLY:
            return -2
        if n < 0:
            return end + 2
        return end + 2 + n + 2 if len(buf) >= end + 2 + n + 2 else -1
    return end + 2


class _Client(asyncio.Protocol):
    """One connection, driven from its callbacks (no task, no future per command): a reply
    completes → record it → send the next command. That keeps the driver's own cost per
    command small, so it measures the server, not itself."""

    def __init__(self, run: _Run, mix: list[tuple[bytes, bool]]) -> None:
        self.run = run
        self.mix = mix
        self.n = 0
        self.transport: asyncio.Transport | None = None
        self.buf = bytearray()
        self.sent = 0.0  # when the command in flight was sent; 0.0 when none is
        self.is_set = False
        self.answered = 0  # inside the measured window

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def fire(self) -> None:
        command, self.is_set = self.mix[self.n % len(self.mix)]
        self.n += 1
        assert self.transport is not None
        self.sent = time.perf_counter()
        self.transport.write(command)

    def data_received(self, data: bytes) -> None:
        self.buf += data
        end = reply_end(self.buf)
        if len(self.buf) > 2 * MAX_REPLY:  # replies nobody asked for, piling up
            end = -2
        if end == -2:
            self.run.fail(f"a reply that is not RESP or is over {MAX_REPLY // 2**20} MB: "
                          f"{bytes(self.buf[:60])!r}")
            self.buf.clear()
            self.sent = 0.0
            assert self.transport is not None
            self.transport.abort()
            return
        if end < 0 or not self.sent:
            return
        done = time.perf_counter()
        reply = bytes(self.buf[:end])
        del self.buf[:end]
        run, sent = self.run, self.sent
        self.sent = 0.0
        if self.is_set:
            if reply != b"+OK\r\n":
                run.fail(f"SET answered {reply[:60]!r}, expected +OK")
        elif reply[:1] != b"$":
            run.fail(f"GET answered {reply[:60]!r}, expected a bulk string or nil")
        if done > run.stop_at:
            return  # answered after the window: neither counted nor waited for
        if sent >= run.measure_from:
            run.result.ops += 1
            run.result.latencies_ms.append((done - sent) * 1000.0)
            self.answered += 1
        self.fire()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.sent and time.perf_counter() < self.run.stop_at:
            self.run.fail("the server closed a connection")
            self.sent = 0.0


@dataclass
class _Run:
    result: LoadResult
    measure_from: float = 0.0
    stop_at: float = 0.0

    def fail(self, why: str) -> None:
        self.result.errors += 1
        self.result.first_error = self.result.first_error or why


async def _drive(host: str, port: int, connections: int, duration_s: float, warmup_s: float,
                 keys: int, set_share: float, value_size: int, seed: str,
                 connect_timeout_s: float) -> LoadResult:
    loop = asyncio.get_running_loop()
    run = _Run(LoadResult(connections=connections, seconds=duration_s, ops=0, errors=0,
                          first_error=""))
    clients: list[_Client] = []
    for i in range(connections):
        mix = commands(seed, i, 256, keys, set_share, value_size)
        try:
            _, client = await asyncio.wait_for(
                loop.create_connection(lambda m=mix: _Client(run, m), host, port),
                connect_timeout_s)
        except (TimeoutError, OSError) as e:
            run.result.connect_failures += 1
            run.result.first_error = run.result.first_error or f"connect: {type(e).__name__}"
            continue
        clients.append(client)
    start = time.perf_counter()
    run.measure_from = start + warmup_s
    run.stop_at = run.measure_from + duration_s
    for client in clients:
        client.fire()
    await asyncio.sleep(max(0.0, run.stop_at - time.perf_counter()) + 0.05)
    end = time.perf_counter()
    for client in clients:
        if client.sent and client.sent < run.stop_at:  # still waiting: censored at its wait
            run.result.unanswered += 1
            run.result.latencies_ms.append((end - max(client.sent, run.measure_from)) * 1000.0)
        if client.transport is not None:
            client.transport.abort()
    run.result.starved = sum(1 for c in clients if c.answered == 0)
    run.result.starved += run.result.connect_failures
    return run.result


def drive(host: str, port: int, *, connections: int = 50, duration_s: float = 3.0,
          warmup_s: float = 0.5, keys: int = 1000, set_share: float = 0.2,
          value_size: int = 64, seed: str = "1", connect_timeout_s: float = 5.0,
          loop_factory: Callable[[], asyncio.AbstractEventLoop] | None = None) -> LoadResult:
    """Run the load in a fresh event loop (the standard one unless ``loop_factory`` is given:
    the bench compares uvloop) and return what it saw."""
    coro = _drive(host, port, connections, duration_s, warmup_s, keys, set_share, value_size,
                  seed, connect_timeout_s)
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        return runner.run(coro)
