"""Bonus: the data survives a restart. kata stops the container (SIGTERM, then SIGKILL
after 5 s) and starts the same container again, so its files are still there."""

from collections.abc import Callable

from kata.testing import GradedApp, requirement

from ._resp import Conn, shown

Key = Callable[[str], str]


@requirement("persistence")
def test_data_survives_a_restart(app: GradedApp, key: Key):
    text, timed = key("text"), key("timed")
    with Conn(app) as kv:  # only set-get's and expiry's plainest commands, which it needs
        assert kv.call("SET", text, "kept across restarts") == "OK", f"`SET {text} …` failed"
        assert kv.call("SET", timed, "v") == "OK", f"`SET {timed} v` failed"
        assert kv.call("EXPIRE", timed, 1000) == 1, f"`EXPIRE {timed} 1000` did not answer 1"
    app.restart()
    after = "after a restart (SIGTERM, then the same container started again)"
    with Conn(app) as kv:
        got = kv.call("GET", text)
        assert got == b"kept across restarts", (
            f"{after}, `GET {text}` → {shown(got)}, expected \"kept across restarts\": write "
            "the data to a file (under /data or the working directory) on SIGTERM and load it "
            "at start")
        ttl = kv.call("TTL", timed)
        assert isinstance(ttl, int) and 900 <= ttl <= 1000, (
            f"{after}, `TTL {timed}` (given EXPIRE … 1000 just before) → {shown(ttl)}, expected "
            "about 1000: keep each key's expiry time in the snapshot")
