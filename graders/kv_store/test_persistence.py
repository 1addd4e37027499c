"""Bonus: the data survives a restart. kata stops the container (SIGTERM, then SIGKILL
after 5 s) and starts the same container again, so its files are still there."""

from collections.abc import Callable

from kata.testing import GradedApp, requirement

from ._resp import Conn, shown

Key = Callable[[str], str]


@requirement("persistence")
def test_data_survives_a_restart(app: GradedApp, key: Key):
    text, counter, timed = key("text"), key("counter"), key("timed")
    with Conn(app) as kv:
        assert kv.call("SET", text, "kept across restarts") == "OK", f"`SET {text} …` failed"
        for _ in range(3):
            kv.call("INCR", counter)
        assert kv.call("SET", timed, "v", "EX", 1000) == "OK", f"`SET {timed} v EX 1000` failed"
    app.restart()
    after = "after a restart (SIGTERM, then the same container started again)"
    with Conn(app) as kv:
        got = kv.call("GET", text)
        assert got == b"kept across restarts", (
            f"{after}, `GET {text}` → {shown(got)}, expected \"kept across restarts\": write "
            "the data to a file (under /data or the working directory) on SIGTERM and load it "
            "at start")
        got = kv.call("GET", counter)
        assert got == b"3", f"{after}, `GET {counter}` → {shown(got)}, expected \"3\""
        ttl = kv.call("TTL", timed)
        assert isinstance(ttl, int) and 900 <= ttl <= 1000, (
            f"{after}, `TTL {timed}` (set with EX 1000 just before) → {shown(ttl)}, expected "
            "about 1000: keep each key's expiry time in the snapshot")
