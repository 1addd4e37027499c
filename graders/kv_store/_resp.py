"""A small RESP2 client on a raw socket, for what a client library hides: exact reply
types, inline commands, bytes split or batched at will, malformed frames. Every wait is
bounded by the socket timeout. Replies: simple string → str, bulk → bytes, nil → None,
integer → int, array → list, error → Err."""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass
from typing import Self

from kata.testing import AppMisbehaved, GradedApp, trim

Arg = str | bytes | int


@dataclass(frozen=True)
class Err:
    """An error reply (`-ERR …`)."""

    message: str

    def __str__(self) -> str:
        return f"-{self.message}"


class Closed(AppMisbehaved):
    """The server closed the connection (or reset it)."""


class NoReply(AppMisbehaved):
    """Nothing (or only part of a reply) arrived before the timeout."""


def encode(*args: Arg) -> bytes:
    """A command as a RESP array of bulk strings."""
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        raw = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(raw), raw))
    return b"".join(out)


def quote(arg: Arg) -> str:
    """One argument as redis-cli would take it."""
    raw = arg if isinstance(arg, bytes) else str(arg).encode()
    text = raw.decode("utf-8", "replace")
    plain = raw and all(33 <= b < 127 and b not in b"\"'\\" for b in raw)
    if plain:
        return text
    escaped = "".join(
        ch if 32 <= ord(ch) < 127 and ch not in "\"\\" else
        {"\n": "\\n", "\r": "\\r", "\t": "\\t", '"': '\\"', "\\": "\\\\"}.get(ch) or
        (ch if ord(ch) > 127 else f"\\x{ord(ch):02x}")
        for ch in text)
    return f'"{escaped}"'


def said(*args: Arg) -> str:
    """`SET k "a b" NX` — a command as the learner would type it in redis-cli."""
    words = [quote(a) for a in args]
    if sum(len(w) for w in words) > 200:
        words = [trim(w, 40) for w in words]
    return " ".join(words)


def shown(reply: object) -> str:
    """A reply as redis-cli shows it, on one line."""
    if reply is None:
        return "(nil)"
    if isinstance(reply, Err):
        return f"(error) {reply.message}"
    if isinstance(reply, int):
        return f"(integer) {reply}"
    if isinstance(reply, str):
        return reply
    if isinstance(reply, bytes):
        return trim(quote(reply), 120)
    if isinstance(reply, list):
        return trim("[" + ", ".join(shown(r) for r in reply) + "]", 200)
    return repr(reply)


def printf(data: bytes) -> str:
    """`printf '…' | nc localhost 6379` replaying raw bytes."""
    body = "".join(
        {"\r": "\\r", "\n": "\\n", "'": "'\\''", "%": "%%", "\\": "\\\\"}.get(ch, ch)
        if 32 <= ord(ch) < 127 or ch in "\r\n" else f"\\x{ord(ch):02x}"
        for ch in data[:300].decode("latin-1"))
    return f"printf '{body}' | nc -q 1 localhost 6379"


class Conn:
    def __init__(self, app: GradedApp, timeout_s: float = 5.0) -> None:
        self.app = app
        self.timeout_s = timeout_s
        self.buf = bytearray()
        self.sock = socket.create_connection((app.host, app.port), timeout=timeout_s)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass

    # -- sending ---------------------------------------------------------------------
    def send(self, data: bytes) -> None:
        self.app.evidence = {"request": trim(repr(data), 200), "replay": printf(data)}
        try:
            self.sock.sendall(data)
        except OSError as e:
            raise Closed(f"sending failed: {type(e).__name__}") from None

    def call(self, *args: Arg, timeout_s: float | None = None) -> object:
        """Send one command and read its reply; a missing reply fails naming the command."""
        self.send(encode(*args))
        self.app.evidence = {"request": said(*args),
                             "replay": f"redis-cli -p 6379 {said(*args)}"}
        reply = self.reply_to(f"`{said(*args)}`", timeout_s)
        self.app.evidence["response"] = shown(reply)
        return reply

    def reply_to(self, what: str, timeout_s: float | None = None) -> object:
        """Read one reply to ``what`` (how a failure names what was sent)."""
        try:
            return self.read(timeout_s)
        except Closed:
            raise AssertionError(f"{what} → the server closed the connection") from None
        except NoReply:
            wait = timeout_s or self.timeout_s
            got = f" (got only {trim(repr(bytes(self.buf)), 80)})" if self.buf else ""
            raise AssertionError(f"{what} → no complete reply within {wait:g} s{got}") from None

    # -- receiving -------------------------------------------------------------------
    def _fill(self, deadline: float) -> None:
        left = deadline - time.monotonic()
        if left <= 0:
            raise NoReply()
        self.sock.settimeout(left)
        try:
            chunk = self.sock.recv(1 << 16)
        except TimeoutError:
            raise NoReply() from None
        except OSError:  # reset: the server dropped us
            raise Closed() from None
        if not chunk:
            raise Closed()
        self.buf += chunk

    def _line(self, deadline: float) -> bytes:
        while (end := self.buf.find(b"\r\n")) < 0:
            self._fill(deadline)
        line = bytes(self.buf[:end])
        del self.buf[: end + 2]
        return line

    def _exactly(self, n: int, deadline: float) -> bytes:
        while len(self.buf) < n + 2:
            self._fill(deadline)
        data = bytes(self.buf[:n])
        del self.buf[: n + 2]
        return data

    def read(self, timeout_s: float | None = None) -> object:
        deadline = time.monotonic() + (timeout_s or self.timeout_s)
        return self._reply(deadline)

    def _reply(self, deadline: float) -> object:
        line = self._line(deadline)
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode("utf-8", "replace")
        if kind == b"-":
            return Err(rest.decode("utf-8", "replace"))
        if kind == b":":
            return _number(line)
        if kind == b"$":
            n = _number(line)
            return None if n < 0 else self._exactly(n, deadline)
        if kind == b"*":
            n = _number(line)
            return None if n < 0 else [self._reply(deadline) for _ in range(n)]
        raise AssertionError(f"the reply {trim(repr(line), 80)} is not RESP: a reply starts "
                             "with +, -, :, $ or *")

    def read_raw(self, n_bytes: int, timeout_s: float | None = None) -> bytes:
        """Exactly ``n_bytes`` raw bytes (fewer if the connection closes or time runs out)."""
        deadline = time.monotonic() + (timeout_s or self.timeout_s)
        try:
            while len(self.buf) < n_bytes:
                self._fill(deadline)
        except (Closed, NoReply):
            pass
        data = bytes(self.buf[:n_bytes])
        del self.buf[:n_bytes]
        return data

    def outcome(self, timeout_s: float) -> str:
        """After bad input: "error" (an -ERR reply), "closed", "silent" (nothing within
        the time), or "reply: …" (something else, e.g. +PONG)."""
        try:
            reply = self.read(timeout_s)
        except Closed:
            return "closed"
        except NoReply:
            return "silent"
        except AssertionError as e:  # not RESP at all
            return f"reply: {e}"
        return "error" if isinstance(reply, Err) else f"reply: {shown(reply)}"


def _number(line: bytes) -> int:
    """The integer after a reply's type byte; the app's malformed one is its failure."""
    try:
        return int(line[1:])
    except ValueError:
        raise AssertionError(f"the reply {trim(repr(line), 80)} is not RESP: expected an "
                             "integer after its first byte") from None
