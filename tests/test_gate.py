"""Measuring phases run alone on the host; other phases run side by side (kata.gate)."""

from __future__ import annotations

import threading
import time

from kata.events import CheckStarted, MeasuringEnded, PhaseFinished, PhaseStarted
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


def _contract(gate: PhaseGate, steps: list, log: list, lock: threading.Lock):
    """A contract phase whose checks follow each other (``steps``: name, measured,
    seconds), saying each start as the contract stage does."""
    gate(PhaseStarted("contract"))
    for name, measured, seconds in steps:
        gate(CheckStarted(name, measured))
        with lock:
            log.append(("in", name, time.monotonic()))
        time.sleep(seconds)
        with lock:
            log.append(("out", name, time.monotonic()))
    gate(PhaseFinished("contract", 0.0))


def _side_by_side(folder, *contracts: list) -> list:
    """Each contract phase (``_contract``'s steps) in a grading of its own, all at once; the
    log of when each check ran."""
    log: list = []
    lock = threading.Lock()
    threads = [threading.Thread(target=_contract, args=(PhaseGate({"load"}, folder=folder),
                                                        steps, log, lock))
               for steps in contracts]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    return log


def test_a_measured_requirement_runs_alone_not_its_whole_phase(tmp_path):
    """A contract phase with one measured requirement between two plain ones: the plain
    ones share the host with a neighbour's build; the measured one has it alone, and it
    gets its turn at the neighbour's next check, not at the end of its phase."""
    a = [("a-plain", False, 0.4), ("a-timed", True, 0.4), ("a-after", False, 0.4)]
    b = [("b-1", False, 0.3), ("b-2", False, 0.3), ("b-3", False, 0.3), ("b-4", False, 0.3)]
    log = _side_by_side(tmp_path, a, b)
    pairs = _overlaps(log)
    assert frozenset(("a-plain", "b-1")) in pairs, pairs  # plain checks side by side
    assert not any("a-timed" in p for p in pairs), pairs  # the measured one alone
    assert any(p & {"b-2", "b-3", "b-4"} and "a-after" in p for p in pairs), pairs


def test_consecutive_measured_checks_keep_the_host_in_one_turn(tmp_path):
    """Two measured checks in a row (one requirement's, or adjacent measured requirements'):
    no neighbour's check starts between them. Handing the host back in between let a
    neighbour start a check the second measurement then had to wait out."""
    a = [("a-plain", False, 0.2), ("a-timed-1", True, 0.3), ("a-timed-2", True, 0.3),
         ("a-after", False, 0.2)]
    b = [(f"b-{i}", False, 0.1) for i in range(12)]
    log = _side_by_side(tmp_path, a, b)
    at = {(what, name): t for what, name, t in log}
    turn = (at["in", "a-timed-1"], at["out", "a-timed-2"])
    inside = [name for what, name, t in log
              if name.startswith("b-") and what == "in" and turn[0] < t < turn[1]]
    assert not inside, inside
    assert not any(p & {"a-timed-1", "a-timed-2"} for p in _overlaps(log))
    assert any(p & {"a-plain", "a-after"} for p in _overlaps(log))  # the rest is shared


def _alone_in_a_measured_check(folder) -> PhaseGate:
    gate = PhaseGate(set(), folder=folder)
    gate(PhaseStarted("contract"))
    gate(CheckStarted("a-timed", measured=True))
    return gate


def test_a_measured_check_shares_the_host_once_its_measuring_has_ended(tmp_path):
    """A measured check that says its time alone is over (event-stream's restart, once the
    kill has landed): a neighbour's plain checks run beside the rest of it, none before."""
    a = _alone_in_a_measured_check(tmp_path)
    log: list = []
    lock = threading.Lock()
    plain = threading.Thread(target=_contract, args=(
        PhaseGate(set(), folder=tmp_path), [(f"b-{i}", False, 0.05) for i in range(10)],
        log, lock))
    plain.start()
    time.sleep(0.4)
    with lock:
        assert not log, log  # alone: the neighbour's first check waits
    a(MeasuringEnded("a-timed"))
    time.sleep(0.4)
    with lock:
        beside = list(log)
    a(PhaseFinished("contract", 0.0))
    plain.join(10)
    assert ("in", "b-0") in {(what, name) for what, name, _ in beside}, beside


def test_sharing_waits_for_no_turn_and_a_waiting_measurement_still_waits(tmp_path):
    """The hold turns shared in place, at once, even while a neighbour waits to measure (a
    wait there would add time to the rest of the check, the app's time to catch up); that
    measurement still waits for the check to end."""
    a = _alone_in_a_measured_check(tmp_path)
    measuring = PhaseGate(set(), folder=tmp_path)
    measured = threading.Event()

    def measure():
        measuring(PhaseStarted("contract"))
        measuring(CheckStarted("c-timed", measured=True))
        measured.set()
        measuring(PhaseFinished("contract", 0.0))

    waiter = threading.Thread(target=measure)
    waiter.start()
    time.sleep(0.3)  # c waits to measure, holding the turnstile
    began = time.monotonic()
    a(MeasuringEnded("a-timed"))
    assert time.monotonic() - began < 0.1 and not a._alone
    assert not measured.wait(0.3)  # c waits for the rest of a's check
    a(PhaseFinished("contract", 0.0))
    assert measured.wait(5)
    waiter.join(5)


def test_a_phase_that_runs_alone_stays_alone_through_its_requirements(tmp_path):
    held = PhaseGate({"contract"}, folder=tmp_path)
    held(PhaseStarted("contract"))
    held(CheckStarted("plain", measured=False))  # must not drop to shared
    neighbour = PhaseGate(set(), folder=tmp_path)
    entered = threading.Event()

    def enter():
        neighbour(PhaseStarted("build"))
        entered.set()
        neighbour(PhaseFinished("build", 0.0))

    t = threading.Thread(target=enter)
    t.start()
    assert not entered.wait(0.5)  # still waiting: the phase holds the host alone
    held(PhaseFinished("contract", 0.0))
    assert entered.wait(5)
    t.join(5)


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
    # a contract requirement's checks take their turn alone (CheckStarted), not the phase
    assert measuring(exercise(timed=True)) == {"load"}
    assert measuring(exercise(thresholds={"duration_s": 3})) == {"load"}
    assert exercise(timed=True).requirement("hit").measured
    assert exercise(thresholds={"duration_s": 3}).requirement("hit").measured
    assert not exercise().requirement("hit").measured
    # a measured requirement another grader judges makes that grader's phase run alone
    assert measuring(exercise(timed=True, grader="boot")) == {"load", "boot"}


def test_the_contract_stage_says_when_each_requirement_starts_and_which_are_measured(
        tmp_path):
    """What lets the gate hold the host for a measured requirement only: the stage's
    CheckStarted events, one per check, in grading order; and a measured check's
    ``app.share_host()`` (in a plain check it says nothing: there is no time alone to end)."""
    from kata.catalog.models import Exercise
    from kata.sandbox.fake import FakeApp
    from kata.stages.contract import contract
    from kata.stages.registry import StageContext

    (tmp_path / "test_demo.py").write_text(
        "from kata.testing import requirement\n\n\n"
        "@requirement('plain')\ndef test_plain(app):\n    app.share_host()\n\n\n"
        "@requirement('plain')\ndef test_plain_2(app):\n    pass\n\n\n"
        "@requirement('hit')\ndef test_hit(app):\n    app.share_host()\n\n\n"
        "@requirement('slow')\ndef test_slow(app):\n    pass\n")
    ex = Exercise.model_validate({
        "id": "demo", "version": "1", "week": 1, "title": "Demo", "pass_mark": 50,
        "requirements": [
            {"id": "plain", "title": "P", "points": 1, "grader": "contract"},
            {"id": "hit", "title": "H", "points": 1, "grader": "contract", "timed": True},
            {"id": "slow", "title": "S", "points": 1, "grader": "contract",
             "thresholds": {"duration_s": 2}},
        ],
    })
    said: list = []
    ctx = StageContext(name="contract", exercise=ex, grader_dir=tmp_path,
                       requirements=ex.grading_order(), app=FakeApp(port=8000), services={},
                       seed=1, emit=said.append)
    assert all(o.status.value == "pass" for o in contract(ctx))
    assert [e for e in said if isinstance(e, CheckStarted | MeasuringEnded)] == [
        CheckStarted("plain", False), CheckStarted("plain", False), CheckStarted("hit", True),
        MeasuringEnded("hit"), CheckStarted("slow", True)]


def test_a_gate_counts_the_time_its_grading_waited_for_its_turn(tmp_path):
    measuring, other = PhaseGate({"load"}, folder=tmp_path), PhaseGate({"load"}, folder=tmp_path)
    measuring(PhaseStarted("load"))  # holds the host alone
    threading.Timer(0.4, measuring, (PhaseFinished("load", 0.4),)).start()
    other(PhaseStarted("build"))  # waits until the measurement is over
    other(PhaseFinished("build", 0.0))
    assert 0.3 <= other.waited_s < 5, other.waited_s
    assert measuring.waited_s < 0.3  # it found the host free
    assert other.waited_alone_s == 0  # it waited for a shared turn
    # now the other way: a measurement waits for a neighbour's running check to end
    other(PhaseStarted("build"))
    threading.Timer(0.4, other, (PhaseFinished("build", 0.4),)).start()
    measuring(PhaseStarted("load"))
    measuring(PhaseFinished("load", 0.0))
    assert 0.3 <= measuring.waited_alone_s <= measuring.waited_s < 5, measuring.waited_s
    assert 0.3 <= measuring.alone_s < 5 and other.alone_s == 0  # the first load phase's hold


def test_a_gate_counts_the_time_it_held_the_host_alone_up_to_a_share(tmp_path):
    gate = _alone_in_a_measured_check(tmp_path)
    time.sleep(0.3)
    gate(MeasuringEnded("a-timed"))  # the rest of the check is shared: not counted
    time.sleep(0.5)
    gate(CheckStarted("b-timed", measured=True))  # alone again
    time.sleep(0.2)
    gate(PhaseFinished("contract", 0.0))
    assert 0.5 <= gate.alone_s < 0.75, gate.alone_s
