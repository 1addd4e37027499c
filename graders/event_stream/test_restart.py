"""restart: kata restarts the app mid-stream; every event processed exactly once."""

from __future__ import annotations

import time

from kata.testing import GradedApp, requirement

from ._client import Stream, doubled, missing

WITHIN_S = 30  # after the restart: the rejoin (a dead member's session, <= 6 s) and the rest
MID_STREAM_S = 60


@requirement("restart")
def test_a_restart_mid_stream_loses_and_doubles_nothing(app: GradedApp, stream: Stream) -> None:
    before = stream.processed()
    produced = stream.produce(keys=60, per_key=1000, quiet=True)  # 60,000 events
    # Wait until the app is part-way through them, then restart it.
    deadline = time.monotonic() + MID_STREAM_S
    at = before
    while at - before < 2000 and time.monotonic() < deadline:
        time.sleep(0.05)
        at = stream.processed()
    assert at - before >= 2000, (
        f"kata produced {produced.events} events; {MID_STREAM_S} s later GET /stats counted "
        f"only {at - before} more processed")
    app.restart()
    app.notes.append(f"kata restarted the app after it had processed {at - before} of "
                     f"{produced.events} events")
    back = time.monotonic()
    later = stream.produce(keys=10, per_key=50)  # and more while it rejoins
    seen = stream.wait_for(produced, WITHIN_S)
    seen.update(stream.wait_for(later, WITHIN_S))
    app.measure(caught_up_s=round(time.monotonic() - back, 2))
    lost = missing(produced, seen) or missing(later, seen)
    assert not lost, (f"kata restarted the app mid-stream (after {at - before} events); "
                      f"{WITHIN_S} s later GET /keys/{{key}} had {lost}")
    twice = doubled(seen)
    assert not twice, (f"kata restarted the app mid-stream (after {at - before} events); "
                       f"GET /keys/{{key}} has {twice}")
