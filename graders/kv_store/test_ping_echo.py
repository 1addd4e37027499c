"""PING and ECHO, as RESP arrays and as inline commands (what `telnet`/`nc` users type)."""

from kata.testing import requirement

from ._resp import Conn, shown


@requirement("ping-echo")
def test_ping_answers_pong(kv: Conn):
    reply = kv.call("PING")
    assert reply == "PONG", f"`PING` → expected +PONG (a simple string), got {shown(reply)}"


@requirement("ping-echo")
def test_ping_with_a_message_and_echo_return_it(kv: Conn):
    reply = kv.call("PING", "hello world")
    assert reply == b"hello world", (
        f'`PING "hello world"` → expected the bulk string "hello world", got {shown(reply)}')
    message = "café ☕ \r\n tab\t and a NUL \x00 byte".encode()
    reply = kv.call("ECHO", message)
    assert reply == message, (
        f"`ECHO` of {shown(message)} → expected the same bytes back as a bulk string, got "
        f"{shown(reply)}")


@requirement("ping-echo")
def test_inline_commands(kv: Conn):
    for line, want in ((b"PING\r\n", "PONG"), (b"ping\r\n", "PONG"), (b"ECHO hi\r\n", b"hi")):
        kv.send(line)
        reply = kv.reply_to(f"the inline command {line!r}")
        assert reply == want, (
            f"the inline command {line!r} (a line of words, as typed in telnet) → expected "
            f"{shown(want)}, got {shown(reply)}")


@requirement("ping-echo")
def test_redis_py_ping(r):
    assert r.ping() is True, "redis-py `ping()` did not get +PONG"
