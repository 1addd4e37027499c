"""SET's options: EX seconds, PX milliseconds, NX (only if missing), XX (only if present);
anything else is an error that leaves the key alone."""

from collections.abc import Callable

import pytest

from kata.testing import requirement

from ._resp import Conn, Err, said, shown
from .test_set_get import expect

Key = Callable[[str], str]


def expect_ttl(kv: Conn, k: str, low: int, high: int, after: str) -> None:
    reply = kv.call("TTL", k)
    if not isinstance(reply, int) or not low <= reply <= high:
        raise AssertionError(f"after `{after}`, `TTL {k}` → expected {low}–{high}, got "
                             f"{shown(reply)}")


@requirement("set-options")
def test_ex_and_px_give_the_key_a_ttl(kv: Conn, key: Key):
    k = key("ex")
    expect(kv, "OK", "SET", k, "v", "EX", 100)
    expect_ttl(kv, k, 99, 100, f"SET {k} v EX 100")
    k = key("px")
    expect(kv, "OK", "SET", k, "v", "PX", 100000)
    expect_ttl(kv, k, 99, 100, f"SET {k} v PX 100000")


@requirement("set-options")
def test_nx_sets_only_a_missing_key(kv: Conn, key: Key):
    k = key("nx")
    expect(kv, "OK", "SET", k, "first", "NX", why="the key is missing")
    expect(kv, None, "SET", k, "second", "NX", why="the key exists: not set, nil")
    expect(kv, b"first", "GET", k, why="after a refused SET … NX")


@requirement("set-options")
def test_xx_sets_only_an_existing_key(kv: Conn, key: Key):
    k = key("xx")
    expect(kv, None, "SET", k, "v", "XX", why="the key is missing: not set, nil")
    expect(kv, None, "GET", k, why="after a refused SET … XX")
    expect(kv, "OK", "SET", k, "first")
    expect(kv, "OK", "SET", k, "second", "XX", why="the key exists")
    expect(kv, b"second", "GET", k, why="after SET … XX on an existing key")


@requirement("set-options")
def test_options_are_case_insensitive_and_combine(kv: Conn, key: Key):
    k = key("lower")
    expect(kv, "OK", "SET", k, "v", "px", 100000, "nx")
    expect_ttl(kv, k, 99, 100, f"SET {k} v px 100000 nx")


BAD = {
    "ex-not-a-number": ["EX", "soon"],
    "ex-zero": ["EX", "0"],
    "px-negative": ["PX", "-5"],
    "ex-without-a-number": ["EX"],
    "nx-and-xx": ["NX", "XX"],
    "ex-and-px": ["EX", "10", "PX", "10000"],
    "unknown-option": ["FOREVER"],
}


@requirement("set-options")
@pytest.mark.parametrize("options", BAD.values(), ids=BAD.keys())
def test_bad_options_are_errors_and_change_nothing(kv: Conn, key: Key, options: list[str]):
    k = key("bad")
    expect(kv, "OK", "SET", k, "before")
    reply = kv.call("SET", k, "after", *options)
    assert isinstance(reply, Err), (
        f"`{said('SET', k, 'after', *options)}` → expected an error (-ERR …), got {shown(reply)}")
    expect(kv, b"before", "GET", k, why="a refused SET must not change the value")
