"""DEL, EXISTS, INCR/DECR (and INCRBY/DECRBY, which redis-py's incr/decr send), KEYS."""

import threading
from collections.abc import Callable

from kata.testing import GradedApp, requirement

from ._resp import Conn, Err, said, shown
from .test_set_get import expect

Key = Callable[[str], str]


@requirement("keys-counters")
def test_del_counts_the_keys_it_removed(kv: Conn, key: Key):
    a, b, missing = key("a"), key("b"), key("missing")
    expect(kv, "OK", "SET", a, "1")
    expect(kv, "OK", "SET", b, "2")
    expect(kv, 2, "DEL", a, b, missing, why="two of the three keys exist")
    expect(kv, 0, "EXISTS", a, why="after DEL")
    expect(kv, 0, "DEL", a, why="already deleted")


@requirement("keys-counters")
def test_exists_counts_existing_keys(kv: Conn, key: Key):
    a, b, missing = key("a"), key("b"), key("missing")
    expect(kv, "OK", "SET", a, "1")
    expect(kv, "OK", "SET", b, "2")
    expect(kv, 2, "EXISTS", a, b, missing, why="two of the three keys exist")


@requirement("keys-counters")
def test_incr_and_decr(kv: Conn, key: Key):
    n, m, s = key("n"), key("m"), key("s")
    expect(kv, 1, "INCR", n, why="a missing key counts from 0; the reply is an integer (:1)")
    expect(kv, 2, "INCR", n)
    expect(kv, 1, "DECR", n)
    expect(kv, -1, "DECR", m, why="a missing key counts from 0")
    expect(kv, "OK", "SET", s, "41")
    expect(kv, 42, "INCR", s, why="the value is the string 41")
    expect(kv, b"42", "GET", s, why="after INCR: the value is stored as a string")


@requirement("keys-counters")
def test_incr_of_a_non_integer_is_an_error(kv: Conn, key: Key):
    word, big = key("word"), key("big")
    expect(kv, "OK", "SET", word, "abc")
    reply = kv.call("INCR", word)
    assert isinstance(reply, Err), f"`INCR {word}` (value abc) → expected -ERR, got {shown(reply)}"
    expect(kv, b"abc", "GET", word, why="after a refused INCR")
    expect(kv, "OK", "SET", big, "9223372036854775807")
    reply = kv.call("INCR", big)
    assert isinstance(reply, Err), (
        f"`INCR {big}` (the largest 64-bit integer) → expected -ERR (overflow), got {shown(reply)}")


@requirement("keys-counters")
def test_keys_matches_glob_patterns(kv: Conn, key: Key):
    p = key("glob:")
    for name in ("a1", "a2", "b1", "c"):
        expect(kv, "OK", "SET", p + name, "v")
    cases = {f"{p}*": {"a1", "a2", "b1", "c"}, f"{p}a*": {"a1", "a2"}, f"{p}?": {"c"},
             f"{p}[ab]1": {"a1", "b1"}}
    for pattern, names in cases.items():
        reply = kv.call("KEYS", pattern)
        want = {(p + n).encode() for n in names}
        got = set(reply) if isinstance(reply, list) else reply
        assert got == want, (
            f"`{said('KEYS', pattern)}` → expected {shown(sorted(want))} (any order), "
            f"got {shown(reply)}")


@requirement("keys-counters")
def test_redis_py_incr_and_decr(r, key: Key):
    k = key("py")
    steps = [("INCRBY", r.incr, 1, 1), ("INCRBY", r.incr, 5, 6), ("DECRBY", r.decr, 2, 4)]
    for sent, fn, amount, want in steps:
        got = fn(k, amount)
        assert got == want, (
            f"redis-py {fn.__name__}({k!r}, {amount}) (it sends `{sent} {k} {amount}`) → "
            f"{got!r}, expected {want}")


@requirement("keys-counters")
def test_incr_is_atomic_across_connections(app: GradedApp, key: Key):
    """Ten connections INCR one counter; they need not be served at the same time (that is
    concurrency's business), but no increment may be lost when they are."""
    counter, clients, rounds = key("hits"), 10, 50
    problems: list[str] = []

    def client() -> None:
        try:
            with Conn(app) as kv:
                for _ in range(rounds):
                    reply = kv.call("INCR", counter)
                    if not isinstance(reply, int):
                        problems.append(f"`INCR {counter}` → {shown(reply)}")
                        return
        except AssertionError as e:
            problems.append(str(e))

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not problems, problems[0]
    with Conn(app) as kv:
        total = kv.call("GET", counter)
    assert total == str(clients * rounds).encode(), (
        f"{clients} connections each ran `INCR {counter}` {rounds} times; `GET {counter}` → "
        f"{shown(total)}, expected {clients * rounds}: increments were lost (INCR must be "
        "atomic)")
