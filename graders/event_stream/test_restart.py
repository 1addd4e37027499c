"""restart: kata restarts the app mid-stream; every event processed exactly once."""

from __future__ import annotations

import time

from kata.testing import GradedApp, requirement

from ._client import Produced, Stream, doubled, missing

WITHIN_S = 30  # after the restart: the rejoin (a dead member's session, <= 6 s) and the rest
MID_STREAM_S = 60
STARTED = 2000  # the app is mid-stream once it has processed this many of a round
ROUNDS = 3  # a machine fast enough to drain a round before kata looks gets another


@requirement("restart")
def test_a_restart_mid_stream_loses_and_doubles_nothing(app: GradedApp, stream: Stream) -> None:
    rounds: list[Produced] = []
    before = stream.processed()
    at = before
    for _ in range(ROUNDS):
        rounds.append(stream.produce(keys=60, per_key=1000, quiet=True))  # 60,000 events
        total = before + sum(r.events for r in rounds)
        start = at
        deadline = time.monotonic() + MID_STREAM_S
        while at - start < STARTED and at < total and time.monotonic() < deadline:
            time.sleep(0.05)
            at = stream.processed()
        assert at - start >= STARTED or at >= total, (
            f"kata produced {rounds[-1].events} events; {MID_STREAM_S} s later GET /stats "
            f"counted only {at - start} more processed")
        if at < total:  # mid-stream: restart now
            break
    done, total = at - before, sum(r.events for r in rounds)
    app.restart()
    # Where the kill landed in the app's commit/process cycle was the timing that needed the
    # host alone; catching up has a deadline twice what the reference takes, shared.
    app.share_host()
    app.notes.append(f"kata restarted the app after it had processed {done} of {total} events")
    back = time.monotonic()
    rounds.append(stream.produce(keys=10, per_key=50))  # and more while it rejoins
    seen: dict[str, list[tuple[str, int]]] = {}
    for produced in rounds:
        seen.update(stream.wait_for(produced, max(1.0, WITHIN_S - (time.monotonic() - back))))
    app.measure(caught_up_s=round(time.monotonic() - back, 2))
    lost = next((m for m in (missing(r, seen) for r in rounds) if m), "")
    assert not lost, (f"kata restarted the app mid-stream (after {done} of {total} events); "
                      f"{WITHIN_S} s later GET /keys/{{key}} had {lost}")
    twice = doubled(seen)
    assert not twice, (f"kata restarted the app mid-stream (after {done} of {total} events); "
                       f"GET /keys/{{key}} has {twice}")
