"""burst: 50,000 events produced at once are all processed within the SLO."""

from __future__ import annotations

import time

from kata.testing import GradedApp, requirement

from ._client import Stream

BURST = 50_000  # 100 keys x 500
SLO_S = 60.0  # spec.md: from the first event produced to GET /stats counting the last


@requirement("burst")
def test_a_burst_drains_within_the_slo(app: GradedApp, stream: Stream) -> None:
    before = stream.processed()
    began = time.monotonic()
    produced = stream.produce(keys=100, per_key=BURST // 100, quiet=True)
    done = before
    while time.monotonic() - began < SLO_S:
        done = stream.processed()
        if done - before >= produced.events:
            break
        time.sleep(0.5)
    took = time.monotonic() - began
    app.measure(f"{done - before} of {produced.events} events processed in {took:.1f} s "
                f"(kata produced them in {produced.seconds:.1f} s)", drain_s=round(took, 2))
    assert done - before >= produced.events, (
        f"kata produced a burst of {produced.events} events in {produced.seconds:.1f} s; "
        f"{SLO_S:.0f} s after it began GET /stats counted {done - before} of them processed "
        f"(the lag did not drain within the SLO)")
