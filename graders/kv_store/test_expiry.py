"""Keys with a TTL disappear when it runs out: for every read (lazy expiry) and also when
nobody reads them (active expiry, seen through DBSIZE in one check only). The TTLs are set
with EXPIRE, expiry's own command, so a server without SET … PX (set-options) loses only
set-options; reads use GET, the plainest form of set-get, which expiry needs."""

import time
from collections.abc import Callable

from kata.testing import requirement

from ._resp import Conn, shown
from .test_set_get import expect

Key = Callable[[str], str]


def wait_until(moment: float) -> None:
    time.sleep(max(0.0, moment - time.monotonic()))


def set_with_ttl(kv: Conn, k: str, seconds: int) -> float:
    """SET then EXPIRE; the moment the TTL started."""
    expect(kv, "OK", "SET", k, "v")
    at = time.monotonic()
    expect(kv, 1, "EXPIRE", k, seconds, why="the key exists")
    return at


@requirement("expiry", basic=True)  # what set-options and persistence rely on
def test_an_expiring_key_is_there_then_gone(kv: Conn, key: Key):
    k = key("short")
    set_at = set_with_ttl(kv, k, 1)
    expect(kv, b"v", "GET", k, why="right after EXPIRE … 1")
    wait_until(set_at + 1.4)
    expect(kv, None, "GET", k, why="1.4 s after EXPIRE … 1")
    expect(kv, -2, "TTL", k, why="1.4 s after EXPIRE … 1: -2 means no such key")


@requirement("expiry", basic=True)
def test_expire_and_ttl(kv: Conn, key: Key):
    k, missing = key("expire"), key("missing")
    expect(kv, -2, "TTL", missing, why="no such key")
    expect(kv, 0, "EXPIRE", missing, 10, why="no such key")
    expect(kv, "OK", "SET", k, "v")
    expect(kv, -1, "TTL", k, why="a key without a TTL")
    expect(kv, 1, "EXPIRE", k, 100)
    ttl = kv.call("TTL", k)
    assert ttl in (99, 100), (
        f"`TTL {k}` right after `EXPIRE {k} 100` → expected 100, got {shown(ttl)}")


@requirement("expiry")
def test_a_plain_set_drops_the_ttl(kv: Conn, key: Key):
    k = key("persist")
    set_with_ttl(kv, k, 100)
    expect(kv, "OK", "SET", k, "v2")
    expect(kv, -1, "TTL", k, why="a plain SET replaces the key and its TTL")


@requirement("expiry")
def test_expired_keys_are_removed_even_if_never_read(kv: Conn, key: Key):
    before = kv.call("DBSIZE")
    assert isinstance(before, int), f"`DBSIZE` → expected an integer, got {shown(before)}"
    prefix = key("unread:")
    for n in range(20):
        set_with_ttl(kv, f"{prefix}{n}", 1)
    deadline = time.monotonic() + 3.5
    size = kv.call("DBSIZE")
    while isinstance(size, int) and size > before and time.monotonic() < deadline:
        time.sleep(0.1)
        size = kv.call("DBSIZE")
    assert isinstance(size, int) and size <= before, (
        f"`DBSIZE` was {before}; 20 keys given EXPIRE … 1 and never read again still count "
        f"3.5 s later (`DBSIZE` → {shown(size)}): expired keys must also be removed when "
        "nobody reads them (active expiry), or memory fills with dead keys")



@requirement("expiry")
def test_ttl_rounds_to_the_nearest_second(kv: Conn, key: Key):
    # After EXPIRE k 3: 2.8 s left rounds up to 3 (not down to 2), 2.3 s left rounds down
    # to 2 (not up to 3); each reading has 300 ms of slack for the round trip.
    k = key("round")
    expect(kv, "OK", "SET", k, "v")
    set_at = time.monotonic()
    expect(kv, 1, "EXPIRE", k, 3)
    for after, want in ((0.2, 3), (0.7, 2)):
        wait_until(set_at + after)
        expect(kv, want, "TTL", k, why=f"{after:g} s after `EXPIRE {k} 3`: "
               f"{3 - after:g} s left rounds to the nearest second, {want}")
