"""A small RESP2 client on a raw socket, for what a client library hides: exact reply
types, inline commands, bytes split or batched at will, malformed frames. Every wait is
bounded by the socket timeout. Replies: simple string → str, bulk → bytes, nil → None,
integer → int, array → list, error → Err."""

from __future__ import annotations

import shlex
import socket
import time
from dataclasses import dataclass
from typing import Self

from redis._parsers import _RESP2Parser
from redis._parsers.socket import SocketBuffer
from redis.exceptions import InvalidResponse
from redis.utils import SENTINEL

from kata.testing import AppMisbehaved, GradedApp, Replay, trim

Arg = str | bytes | int
# What one reply may hold: kata's memory must not depend on the lengths a server announces.
MAX_LINE = 64 * 2**10  # a +simple, -error, :integer line or a $/* header
MAX_BULK = 16 * 2**20  # one bulk string (the graders' largest value is 1 MB)
MAX_ELEMENTS = 100_000  # array elements in one reply, nested ones included


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


class TooLarge(AppMisbehaved):
    """A reply beyond what kata reads (MAX_LINE, MAX_BULK, MAX_ELEMENTS)."""


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


def printf(data: bytes, address: tuple[str, int] = ("localhost", 6379)) -> str:
    """`printf '…' | nc localhost 6379` replaying raw bytes (at a kept app's ``address``)."""
    body = "".join(
        {"\r": "\\r", "\n": "\\n", "'": "'\\''", "%": "%%", "\\": "\\\\"}.get(ch, ch)
        if 32 <= ord(ch) < 127 or ch in "\r\n" else f"\\x{ord(ch):02x}"
        for ch in data[:300].decode("latin-1"))
    host, port = address
    return f"printf '{body}' | nc -q 1 {host} {port}"


def redis_cli(address: tuple[str, int], *args: Arg) -> str:
    """The command as a `redis-cli` line bash runs as shown: printable arguments quoted for
    the shell (a `*` or `$` stays itself), others as redis-cli would write them."""
    host, port = address
    where = f"-p {port}" if host == "localhost" else f"-h {host} -p {port}"
    words = []
    for a in args:
        raw = a if isinstance(a, bytes) else str(a).encode()
        printable = raw and all(32 <= b < 127 for b in raw)
        words.append(shlex.quote(raw.decode()) if printable else quote(a))
    if sum(len(w) for w in words) > 2000:  # a comment: bash skips what it cannot replay
        return f"# too long to replay here: redis-cli {where} {said(*args)}"
    return f"redis-cli {where} {' '.join(words)}"


class Conn:
    def __init__(self, app: GradedApp, timeout_s: float = 5.0) -> None:
        self.app = app
        self.timeout_s = timeout_s
        self.buf = bytearray()
        self._elements = 0  # array elements of the reply being read
        self.sock = socket.create_connection((app.host, app.port), timeout=timeout_s)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.replay = Replay()  # the commands called on this connection

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
        self.app.evidence = {"request": trim(repr(data), 200),
                             "replay": printf(data, self.app.replay_address)}
        try:
            self.sock.sendall(data)
        except OSError as e:
            raise Closed(f"sending failed: {type(e).__name__}") from None

    def call(self, *args: Arg, timeout_s: float | None = None) -> object:
        """Send one command and read its reply; a missing reply fails naming the command."""
        self.send(encode(*args))
        self.replay.add(redis_cli(self.app.replay_address, *args))
        self.app.evidence = {"request": said(*args), "replay": self.replay.script()}
        reply = self.reply_to(f"`{said(*args)}`", timeout_s)
        self.app.evidence["response"] = shown(reply)
        return reply

    def reply_to(self, what: str, timeout_s: float | None = None) -> object:
        """Read one reply to ``what`` (how a failure names what was sent)."""
        try:
            return self.read(timeout_s)
        except Closed:
            raise AssertionError(f"{what} → the server closed the connection") from None
        except TooLarge as e:
            raise AssertionError(f"{what} → {e}") from None
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
            if len(self.buf) > MAX_LINE:
                raise TooLarge(f"a line of over {MAX_LINE // 1024} KB with no CRLF "
                               f"({trim(repr(bytes(self.buf[:40])), 60)})")
            self._fill(deadline)
        if end > MAX_LINE:
            raise TooLarge(f"a line of over {MAX_LINE // 1024} KB")
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
        self._elements = 0
        try:
            return self._reply(deadline)
        except TooLarge:
            self.close()  # the rest of that reply is never read: the connection is spent
            raise

    def _length(self, rest: bytes, limit: int, what: str) -> int:
        try:
            n = int(rest)
        except ValueError:
            raise AssertionError(f"the reply header {trim(repr(rest), 60)} is not a "
                                 "RESP length") from None
        if n > limit:
            raise TooLarge(f"{what} of {n} announced; kata reads at most {limit}")
        return n

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
            n = self._length(rest, MAX_BULK, "a bulk string")
            return None if n < 0 else self._exactly(n, deadline)
        if kind == b"*":
            n = self._length(rest, MAX_ELEMENTS - self._elements, "an array")
            self._elements += max(n, 0)
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
        except TooLarge as e:
            return f"reply: {e}"
        except AssertionError as e:  # not RESP at all
            return f"reply: {e}"
        return "error" if isinstance(reply, Err) else f"reply: {shown(reply)}"


class CappedParser(_RESP2Parser):
    """redis-py's RESP2 parser with kata's caps: a reply may not announce more than
    MAX_BULK bytes or MAX_ELEMENTS elements, and no more than MAX_BULK + MAX_LINE bytes of
    one reply are buffered (a line that never ends included)."""

    def on_connect(self, connection) -> None:  # type: ignore[no-untyped-def]
        super().on_connect(connection)
        self._buffer = _CappedBuffer(self._sock, self.socket_read_size,
                                     connection.socket_timeout)

    def read_response(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self._elements = 0
        return super().read_response(*args, **kwargs)

    def _read_response(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        buffer = self._buffer
        start = buffer.get_pos()
        line = buffer.readline(timeout=kwargs.get("timeout", SENTINEL))
        kind, rest = line[:1], line[1:]
        if kind in (b"$", b"*"):
            try:
                n = int(rest)
            except ValueError:
                n = 0
            limit = MAX_BULK if kind == b"$" else MAX_ELEMENTS - getattr(self, "_elements", 0)
            if n > limit:
                raise InvalidResponse(f"{'a bulk string' if kind == b'$' else 'an array'} of "
                                      f"{n} announced; kata reads at most {limit}")
            if kind == b"*":
                self._elements = getattr(self, "_elements", 0) + max(n, 0)
        buffer.rewind(start)
        return super()._read_response(*args, **kwargs)


class _CappedBuffer(SocketBuffer):
    def _read_from_socket(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self.unread_bytes() + self.get_pos() > MAX_BULK + MAX_LINE:
            raise InvalidResponse(f"a reply of over {(MAX_BULK + MAX_LINE) // 2**20} MB "
                                  "(or a line that never ends); kata stopped reading it")
        return super()._read_from_socket(*args, **kwargs)


def _number(line: bytes) -> int:
    """The integer after a reply's type byte; the app's malformed one is its failure."""
    try:
        return int(line[1:])
    except ValueError:
        raise AssertionError(f"the reply {trim(repr(line), 80)} is not RESP: expected an "
                             "integer after its first byte") from None
