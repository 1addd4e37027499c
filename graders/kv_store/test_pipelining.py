"""Framing: many commands in one write answered in order (pipelining), and commands that
arrive in pieces — split at any byte, a byte at a time, or a megabyte long."""

import time
from collections.abc import Callable

from kata.testing import GradedApp, requirement

from ._resp import Closed, Conn, NoReply, encode, said, shown

Key = Callable[[str], str]


def replies(kv: Conn, count: int, deadline_s: float, sent: str) -> list[object]:
    got: list[object] = []
    end = time.monotonic() + deadline_s
    try:
        while len(got) < count:
            got.append(kv.read(max(0.05, end - time.monotonic())))
    except (Closed, NoReply) as e:
        why = "the server closed the connection" if isinstance(e, Closed) else (
            f"nothing more within {deadline_s:g} s")
        raise AssertionError(
            f"{sent}; got {len(got):,} of {count:,} replies, then {why}. Keep what you read "
            "in a buffer and answer every complete command in it, in order — not only the "
            "first one of each read") from None
    return got


def check_in_order(got: list[object], want: list[object], commands: list[tuple], sent: str):
    for n, (g, w) in enumerate(zip(got, want)):
        if g != w:
            raise AssertionError(f"{sent}; reply {n + 1} (to `{said(*commands[n])}`) is "
                                 f"{shown(g)}, expected {shown(w)}: replies come in the order "
                                 "of the commands")


@requirement("pipelining")
def test_a_thousand_commands_in_one_write(kv: Conn, key: Key):
    commands: list[tuple] = []
    want: list[object] = []
    for n in range(500):
        commands += [("SET", key(f"p:{n}"), f"v{n}"), ("GET", key(f"p:{n}"))]
        want += ["OK", f"v{n}".encode()]
    kv.send(b"".join(encode(*c) for c in commands))
    sent = f"{len(commands):,} commands (SET/GET pairs) sent in one write"
    check_in_order(replies(kv, len(commands), 10, sent), want, commands, sent)


@requirement("pipelining")
def test_commands_split_at_random_bytes(app: GradedApp, kv: Conn, key: Key):
    rng = app.rng("split")
    commands = [("SET", key(f"s:{n}"), f"value {n}" * (n % 7 + 1)) for n in range(40)]
    commands += [("GET", key(f"s:{n}")) for n in range(40)]
    want = ["OK"] * 40 + [(f"value {n}" * (n % 7 + 1)).encode() for n in range(40)]
    data = b"".join(encode(*c) for c in commands)
    at = 0
    while at < len(data):
        size = rng.randint(1, 40)
        kv.send(data[at : at + size])
        at += size
        time.sleep(0.002)  # separate TCP segments, so reads end at these points
    sent = f"{len(commands)} commands sent in pieces of 1–40 bytes, cut at random points"
    check_in_order(replies(kv, len(commands), 10, sent), want, commands, sent)


@requirement("pipelining")
def test_one_command_a_byte_at_a_time(kv: Conn, key: Key):
    k = key("slow")
    data = encode("SET", k, "arrived in pieces")
    for b in data:
        kv.send(bytes([b]))
        time.sleep(0.003)
    reply = kv.reply_to(f"`{said('SET', k, 'arrived in pieces')}` sent one byte at a time")
    assert reply == "OK", (
        f"`{said('SET', k, 'arrived in pieces')}` sent one byte at a time → {shown(reply)}, "
        "expected OK: a command may arrive over many reads; wait for the rest")
    reply = kv.call("GET", k)
    assert reply == b"arrived in pieces", f"`GET {k}` → {shown(reply)}, expected the value"


@requirement("pipelining")
def test_a_one_megabyte_value(app: GradedApp, kv: Conn, key: Key):
    k = key("big")
    rng = app.rng("big")
    value = bytes(rng.choice(b"abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(1 << 20))
    reply = kv.call("SET", k, value, timeout_s=10)
    assert reply == "OK", f"`SET {k} <1 MB value>` → {shown(reply)}, expected OK"
    got = kv.call("GET", k, timeout_s=10)
    assert got == value, (
        f"`GET {k}` after setting a 1 MB value → "
        + (f"{len(got):,} bytes that differ" if isinstance(got, bytes) else shown(got))
        + ": read until the whole bulk string has arrived")
