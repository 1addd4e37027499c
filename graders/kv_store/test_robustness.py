"""Bad input never takes the server down: a malformed frame gets -ERR or a closed
connection (that connection only), an unknown or mis-used command gets -ERR and the
connection stays usable."""

import time

import pytest

from kata.testing import GradedApp, requirement

from ._resp import Conn, Err, encode, printf, shown

MALFORMED = {
    "array-count-not-a-number": b"*abc\r\n",
    "array-count-too-large": b"*99999999999\r\n",
    "negative-bulk-length": b"*1\r\n$-5\r\n",
    "bulk-length-too-large": b"*1\r\n$99999999999\r\n",
    "bulk-without-dollar": b"*1\r\nPING\r\n",
    # (no NUL before the newline: Redis reads inline commands as C strings and would wait)
    "binary-garbage": b"\xff\xfe\x01\x80garbage\r\n",
    "unbalanced-quotes": b'"unbalanced\r\n',
}


def still_serving(app: GradedApp, after: str) -> None:
    """A new client still gets a real answer (GET, the plainest command robustness needs)."""
    try:
        with Conn(app, timeout_s=3) as fresh:
            reply = fresh.call("GET", "kata:robustness:missing")
    except OSError as e:
        raise AssertionError(f"after {after}, a new connection failed ({type(e).__name__}): the "
                             "server went down") from None
    assert reply is None, (
        f"after {after}, a new client's `GET kata:robustness:missing` → {shown(reply)}, "
        "expected nil")


@requirement("robustness")
@pytest.mark.parametrize("data", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_input_gets_an_error_or_a_close(app: GradedApp, data: bytes):
    with Conn(app) as bad:
        bad.send(data)
        outcome = bad.outcome(timeout_s=3)
    what = f"the malformed input {data!r}"
    assert outcome in ("error", "closed"), (
        f"{what} → expected an -ERR reply or the connection closed, got "
        + ("nothing within 3 s (the server waits for bytes that will never come: check "
           "lengths and counts against the limits)" if outcome == "silent" else outcome))
    still_serving(app, what)


@requirement("robustness")
def test_unknown_and_misused_commands_are_errors(kv: Conn, app: GradedApp):
    for args in (("NOSUCHCOMMAND", "x"), ("GET",), ("SET", "only-a-key"), ("GET", "a", "b")):
        reply = kv.call(*args)
        assert isinstance(reply, Err), (
            f"`{' '.join(args)}` → expected an error (-ERR …), got {shown(reply)}")
    reply = kv.call("GET", "kata:robustness:missing")
    assert reply is None, (
        f"after error replies, `GET kata:robustness:missing` on the same connection → "
        f"{shown(reply)}: an unknown command is not a reason to close the connection")


@requirement("robustness")
def test_a_client_gone_mid_command(app: GradedApp):
    data = encode("SET", "kata:half", "x" * 50)[:25]
    with Conn(app) as gone:
        gone.send(data)
    app.evidence = {"request": repr(data) + " then close",
                    "replay": printf(data, app.replay_address)}
    still_serving(app, "a client sent half a command and closed its connection")



@requirement("robustness")
def test_an_empty_or_null_array_is_no_request(app: GradedApp):
    # The spec settles it as Redis does: `*0` and `*-1` (a count ≤ 0) are an empty request,
    # answered with nothing; only a negative *bulk* length is a protocol error. Each is
    # sent on its own, a moment before the PING, so that pipelining is not what is tested.
    for empty in (b"*-1\r\n", b"*0\r\n"):
        with Conn(app) as kv:
            kv.send(empty)
            time.sleep(0.2)
            reply = kv.call("PING")
        assert reply == "PONG", (
            f"{empty!r} then `PING` → expected only +PONG ({empty!r} is an empty request "
            f"that gets no reply), got {shown(reply)} first")
