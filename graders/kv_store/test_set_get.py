"""SET and GET: values are bytes (any bytes), a missing key is nil, names are
case-insensitive."""

from collections.abc import Callable

from kata.testing import requirement

from ._resp import Conn, said, shown

Key = Callable[[str], str]


def expect(kv: Conn, want: object, *args: str | bytes | int, why: str = "") -> None:
    reply = kv.call(*args)
    if reply != want or type(reply) is not type(want):
        because = f" ({why})" if why else ""
        raise AssertionError(f"`{said(*args)}`{because} → expected {shown(want)}, "
                             f"got {shown(reply)}")


@requirement("set-get", basic=True)  # what the requirements that need set-get use
def test_set_then_get(kv: Conn, key: Key):
    k = key("greeting")
    expect(kv, "OK", "SET", k, "hello")
    expect(kv, b"hello", "GET", k)


@requirement("set-get", basic=True)
def test_get_of_a_missing_key_is_nil(kv: Conn, key: Key):
    expect(kv, None, "GET", key("never-set"), why="never set")


@requirement("set-get")
def test_set_overwrites(kv: Conn, key: Key):
    k = key("colour")
    expect(kv, "OK", "SET", k, "red")
    expect(kv, "OK", "SET", k, "blue")
    expect(kv, b"blue", "GET", k, why="after SET red, then SET blue")


@requirement("set-get")
def test_values_are_binary_safe(kv: Conn, key: Key):
    k = key("bytes")
    value = bytes(range(256)) + b"\r\n$3\r\nGET\r\n"
    expect(kv, "OK", "SET", k, value)
    expect(kv, value, "GET", k, why="every byte value 0–255, CR LF and RESP-looking text")
    empty = key("empty")
    expect(kv, "OK", "SET", empty, b"")
    expect(kv, b"", "GET", empty, why="an empty string is a value, not nil")


@requirement("set-get")
def test_any_key_name_and_lowercase_commands(kv: Conn, key: Key):
    k = key("ключ 🗝 with spaces")
    expect(kv, "OK", "set", k, "v1")
    expect(kv, b"v1", "get", k, why="command names are case-insensitive")


@requirement("set-get")
def test_with_redis_py(r, key: Key):
    k = key("from-redis-py")
    assert r.set(k, "ünïcode") is True, f"redis-py set({k!r}) was not answered +OK"
    got = r.get(k)
    assert got == "ünïcode".encode(), f"redis-py get({k!r}) → {got!r}, expected the value set"
