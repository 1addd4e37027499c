"""Measuring phases run alone on the host; other phases run side by side (kata.gate)."""

from __future__ import annotations

import threading
import time

from kata.events import PhaseFinished, PhaseStarted
from kata.gate import PhaseGate


def _phase(gate: PhaseGate, name: str, seconds: float, log: list, lock: threading.Lock):
    gate(PhaseStarted(name))
    with lock:
        log.append(("in", name, time.monotonic()))
    time.sleep(seconds)
    with lock:
        log.append(("out", name, time.monotonic()))
    gate(PhaseFinished(name, seconds))


def _overlaps(log: list) -> set[frozenset[str]]:
    """The pairs of phases that were running at the same moment."""
    running: set[str] = set()
    pairs: set[frozenset[str]] = set()
    for what, name, _ in sorted(log, key=lambda e: e[2]):
        if what == "in":
            pairs |= {frozenset((name, other)) for other in running}
            running.add(name)
        else:
            running.discard(name)
    return pairs


def test_a_measuring_phase_runs_alone_and_others_side_by_side(tmp_path):
    log: list = []
    lock = threading.Lock()
    # each "grading" is a gate of its own, as each grading process has
    def gate() -> PhaseGate:
        return PhaseGate({"load"}, folder=tmp_path)

    starts = [("build-a", 0.0, 0.6), ("build-b", 0.05, 0.6), ("load", 0.2, 0.4),
              ("contract-c", 0.3, 0.2)]
    threads = [threading.Timer(at, _phase, (gate(), name, took, log, lock))
               for name, at, took in starts]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    pairs = _overlaps(log)
    assert frozenset(("build-a", "build-b")) in pairs  # ordinary phases share the host
    assert not any("load" in p for p in pairs), pairs  # the measurement had it alone
    order = [name for what, name, _ in sorted(log, key=lambda e: e[2]) if what == "in"]
    # contract-c asked after load did: it waited for the measurement, not the other way
    assert order.index("load") < order.index("contract-c")


def test_the_phases_that_measure_are_load_and_those_of_timed_requirements():
    from kata.catalog.models import Exercise
    from kata.verify import measuring

    def exercise(**contract) -> Exercise:
        return Exercise.model_validate({
            "id": "demo", "version": "1", "week": 1, "title": "Demo", "pass_mark": 50,
            "requirements": [
                {"id": "plain", "title": "P", "points": 1, "grader": "schema"},
                {"id": "hit", "title": "H", "points": 1, "grader": "contract", **contract},
            ],
        })

    assert measuring(exercise()) == {"load"}
    assert measuring(exercise(timed=True)) == {"load", "contract"}
    assert measuring(exercise(thresholds={"duration_s": 3})) == {"load", "contract"}
