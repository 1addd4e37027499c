"""kv — a small Redis: RESP2 over TCP on $PORT (default 6379), one asyncio event loop.

Commands: PING ECHO SET (EX PX NX XX) GET DEL EXISTS INCR DECR INCRBY DECRBY EXPIRE TTL KEYS
DBSIZE.
Expiry is lazy (checked on every access) and active (a sweep every 100 ms). On SIGTERM the
data is written to $KV_DIR/dump.kv and read back at the next start.

Each client is one coroutine; commands run to completion one at a time on the event loop,
so no command ever sees another half done and no lock is needed.
"""

from __future__ import annotations

import asyncio
import math
import os
import re
import signal
import time
from collections.abc import Callable

MAX_ARGS = 1024 * 1024  # arguments in one request
MAX_BULK = 512 * 1024 * 1024  # bytes in one bulk string
MAX_LINE = 64 * 1024  # bytes in an inline request or a header line
INT64 = range(-(2**63), 2**63)
INTEGER = re.compile(rb"-?[0-9]+")
SNAPSHOT = os.path.join(os.environ.get("KV_DIR", "/data"), "dump.kv")


class ProtocolError(Exception):
    """The bytes are not RESP: answer -ERR and close that connection."""


class CommandError(Exception):
    """A well-formed request the command refuses: answer -ERR and carry on."""


# -- RESP -------------------------------------------------------------------------------
def _number(raw: bytes | bytearray, what: str) -> int:
    if not INTEGER.fullmatch(raw):
        raise ProtocolError(f"invalid {what}")
    return int(raw)


def parse(buf: bytearray, pos: int) -> tuple[list[bytes] | None, int]:
    """One request from ``buf[pos:]``: (arguments, position after it), or (None, pos) when
    it has not fully arrived yet. A RESP array of bulk strings, or an inline line."""
    if buf[pos] != ord("*"):
        end = buf.find(b"\n", pos)
        if end < 0:
            if len(buf) - pos > MAX_LINE:
                raise ProtocolError("too big inline request")
            return None, pos
        return bytes(buf[pos:end]).split(), end + 1
    end = buf.find(b"\r\n", pos)
    if end < 0:
        if len(buf) - pos > 32:
            raise ProtocolError("invalid multibulk length")
        return None, pos
    count = _number(buf[pos + 1 : end], "multibulk length")
    if count > MAX_ARGS:
        raise ProtocolError("invalid multibulk length")
    at = end + 2
    args: list[bytes] = []
    for _ in range(max(count, 0)):
        if at >= len(buf):
            return None, pos
        if buf[at] != ord("$"):
            raise ProtocolError(f"expected '$', got {chr(buf[at])!r}")
        end = buf.find(b"\r\n", at)
        if end < 0:
            if len(buf) - at > 32:
                raise ProtocolError("invalid bulk length")
            return None, pos
        size = _number(buf[at + 1 : end], "bulk length")
        if not 0 <= size <= MAX_BULK:
            raise ProtocolError("invalid bulk length")
        start = end + 2
        if len(buf) < start + size + 2:
            return None, pos
        if buf[start + size : start + size + 2] != b"\r\n":
            raise ProtocolError("expected CRLF after a bulk string")
        args.append(bytes(buf[start : start + size]))
        at = start + size + 2
    return args, at


def bulk(value: bytes | None) -> bytes:
    return b"$-1\r\n" if value is None else b"$%d\r\n%s\r\n" % (len(value), value)


def integer(n: int) -> bytes:
    return b":%d\r\n" % n


def array(items: list[bytes]) -> bytes:
    return b"*%d\r\n" % len(items) + b"".join(bulk(i) for i in items)


def error(message: str) -> bytes:
    return b"-ERR " + message.encode() + b"\r\n"


OK = b"+OK\r\n"
NIL = b"$-1\r\n"


def to_int(raw: bytes) -> int:
    if not INTEGER.fullmatch(raw) or int(raw) not in INT64:
        raise CommandError("value is not an integer or out of range")
    return int(raw)


# -- the data ---------------------------------------------------------------------------
def now_ms() -> int:
    return time.time_ns() // 1_000_000  # wall clock: deadlines survive a restart


class Store:
    def __init__(self) -> None:
        self.data: dict[bytes, bytes] = {}
        self.deadlines: dict[bytes, int] = {}  # key -> expiry time, ms since the epoch

    def alive(self, key: bytes) -> bool:
        """Does the key exist? An expired key is removed here (lazy expiry)."""
        deadline = self.deadlines.get(key)
        if deadline is not None and deadline <= now_ms():
            self.delete(key)
            return False
        return key in self.data

    def get(self, key: bytes) -> bytes | None:
        return self.data[key] if self.alive(key) else None

    def put(self, key: bytes, value: bytes, deadline: int | None = None) -> None:
        self.data[key] = value
        if deadline is None:
            self.deadlines.pop(key, None)
        else:
            self.deadlines[key] = deadline

    def delete(self, key: bytes) -> bool:
        self.deadlines.pop(key, None)
        return self.data.pop(key, None) is not None

    def sweep(self) -> int:
        """Active expiry: drop every key whose deadline has passed, read or not."""
        now = now_ms()
        dead = [k for k, t in self.deadlines.items() if t <= now]
        for key in dead:
            self.delete(key)
        return len(dead)


# -- commands ---------------------------------------------------------------------------
Command = Callable[[Store, list[bytes]], bytes]
COMMANDS: dict[bytes, tuple[Command, int, int]] = {}  # name -> (handler, min, max args)


def command(name: str, least: int, most: int = -1) -> Callable[[Command], Command]:
    def register(fn: Command) -> Command:
        COMMANDS[name.encode()] = (fn, least, most if most >= 0 else MAX_ARGS)
        return fn

    return register


@command("PING", 0, 1)
def ping(store: Store, args: list[bytes]) -> bytes:
    return bulk(args[0]) if args else b"+PONG\r\n"


@command("ECHO", 1, 1)
def echo(store: Store, args: list[bytes]) -> bytes:
    return bulk(args[0])


@command("SET", 2)
def set_(store: Store, args: list[bytes]) -> bytes:
    key, value, options = args[0], args[1], args[2:]
    deadline, nx, xx, i = None, False, False, 0
    while i < len(options):
        option = options[i].upper()
        if option == b"NX":
            nx = True
        elif option == b"XX":
            xx = True
        elif option in (b"EX", b"PX") and deadline is None and i + 1 < len(options):
            amount = to_int(options[i + 1])
            if amount <= 0:
                raise CommandError("invalid expire time in 'set' command")
            deadline = now_ms() + amount * (1000 if option == b"EX" else 1)
            i += 1
        else:
            raise CommandError("syntax error")
        i += 1
    if nx and xx:
        raise CommandError("syntax error")
    exists = store.alive(key)
    if (nx and exists) or (xx and not exists):
        return NIL
    store.put(key, value, deadline)  # a plain SET also drops an earlier TTL
    return OK


@command("GET", 1, 1)
def get(store: Store, args: list[bytes]) -> bytes:
    return bulk(store.get(args[0]))


@command("DEL", 1)
def delete(store: Store, args: list[bytes]) -> bytes:
    return integer(sum(store.alive(k) and store.delete(k) for k in args))


@command("EXISTS", 1)
def exists(store: Store, args: list[bytes]) -> bytes:
    return integer(sum(store.alive(k) for k in args))


def add(store: Store, key: bytes, delta: int) -> bytes:
    current = store.get(key)
    n = (0 if current is None else to_int(current)) + delta
    if n not in INT64:
        raise CommandError("increment or decrement would overflow")
    store.data[key] = b"%d" % n  # keeps the key's TTL, as Redis does
    return integer(n)


@command("INCR", 1, 1)
def incr(store: Store, args: list[bytes]) -> bytes:
    return add(store, args[0], 1)


@command("DECR", 1, 1)
def decr(store: Store, args: list[bytes]) -> bytes:
    return add(store, args[0], -1)


@command("INCRBY", 2, 2)
def incrby(store: Store, args: list[bytes]) -> bytes:
    return add(store, args[0], to_int(args[1]))


@command("DECRBY", 2, 2)
def decrby(store: Store, args: list[bytes]) -> bytes:
    return add(store, args[0], -to_int(args[1]))


@command("EXPIRE", 2, 2)
def expire(store: Store, args: list[bytes]) -> bytes:
    key, seconds = args[0], to_int(args[1])
    if not store.alive(key):
        return integer(0)
    if seconds <= 0:
        store.delete(key)
    else:
        store.deadlines[key] = now_ms() + seconds * 1000
    return integer(1)


@command("TTL", 1, 1)
def ttl(store: Store, args: list[bytes]) -> bytes:
    key = args[0]
    if not store.alive(key):
        return integer(-2)
    deadline = store.deadlines.get(key)
    if deadline is None:
        return integer(-1)
    return integer(math.floor((deadline - now_ms()) / 1000 + 0.5))  # rounded, like Redis


def glob(pattern: bytes) -> re.Pattern[bytes]:
    """Redis glob patterns: * ? [abc] [^a] [a-z] and \\ to escape."""
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i : i + 1]
        if c == b"*":
            out.append(b".*")
        elif c == b"?":
            out.append(b".")
        elif c == b"\\" and i + 1 < len(pattern):
            i += 1
            out.append(re.escape(pattern[i : i + 1]))
        elif c == b"[" and (end := pattern.find(b"]", i + 2)) > 0:
            body, negate = pattern[i + 1 : end], False
            if body.startswith(b"^"):
                body, negate = body[1:], True
            parts = [b"-" if ch == b"-" else re.escape(ch)
                     for ch in (body[j : j + 1] for j in range(len(body)))]
            out.append(b"[" + (b"^" if negate else b"") + b"".join(parts) + b"]")
            i = end
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile(b"".join(out), re.DOTALL)


@command("KEYS", 1, 1)
def keys(store: Store, args: list[bytes]) -> bytes:
    match = glob(args[0]).fullmatch
    return array([k for k in list(store.data) if match(k) and store.alive(k)])


@command("DBSIZE", 0, 0)
def dbsize(store: Store, args: list[bytes]) -> bytes:
    return integer(len(store.data))


@command("COMMAND", 0)
def command_(store: Store, args: list[bytes]) -> bytes:
    return b"*0\r\n"  # redis-cli asks for command docs on start; none is fine


def execute(store: Store, args: list[bytes]) -> bytes:
    name = args[0].upper()
    found = COMMANDS.get(name)
    if found is None:
        return error(f"unknown command '{args[0].decode(errors='replace')}'")
    handler, least, most = found
    if not least <= len(args) - 1 <= most:
        return error(f"wrong number of arguments for '{name.decode().lower()}' command")
    try:
        return handler(store, args[1:])
    except CommandError as e:
        return error(str(e))


# -- the server -------------------------------------------------------------------------
async def serve_client(store: Store, reader: asyncio.StreamReader,
                       writer: asyncio.StreamWriter) -> None:
    buf = bytearray()
    try:
        while data := await reader.read(65536):
            buf += data
            replies, pos, broken = [], 0, False
            try:
                while pos < len(buf):  # every complete request in the buffer, in order
                    args, after = parse(buf, pos)
                    if args is None:
                        break  # the rest has not arrived yet
                    pos = after
                    if args:
                        replies.append(execute(store, args))
            except ProtocolError as e:
                replies.append(error(f"Protocol error: {e}"))
                broken = True
            del buf[:pos]
            if replies:
                writer.write(b"".join(replies))
                await writer.drain()
            if broken:
                break  # the stream cannot be resynchronised: close this connection
    except (ConnectionError, OSError):
        pass  # the client went away
    finally:
        writer.close()


async def expire_forever(store: Store) -> None:
    while True:
        await asyncio.sleep(0.1)
        store.sweep()


def save(store: Store, path: str) -> None:
    """Write the data as RESP arrays (key, value, deadline), then swap the file in."""
    store.sweep()
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        for key, value in store.data.items():
            deadline = store.deadlines.get(key)
            f.write(array([key, value, b"" if deadline is None else b"%d" % deadline]))
    os.replace(tmp, path)


def load(store: Store, path: str) -> None:
    try:
        with open(path, "rb") as f:
            buf = bytearray(f.read())
    except FileNotFoundError:
        return
    pos = 0
    while pos < len(buf):
        args, pos = parse(buf, pos)
        if args is None:
            break
        key, value, deadline = args
        store.put(key, value, int(deadline) if deadline else None)
    store.sweep()


async def main() -> None:
    store = Store()
    load(store, SNAPSHOT)
    port = int(os.environ.get("PORT") or 6379)
    server = await asyncio.start_server(lambda r, w: serve_client(store, r, w), "0.0.0.0", port,
                                        backlog=1024)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    sweeper = asyncio.create_task(expire_forever(store))
    print(f"kv listening on 0.0.0.0:{port} with {len(store.data)} keys", flush=True)
    async with server:
        await stop.wait()
    sweeper.cancel()
    save(store, SNAPSHOT)
    print(f"kv saved {len(store.data)} keys to {SNAPSHOT}", flush=True)


if __name__ == "__main__":
    asyncio.run(main())
