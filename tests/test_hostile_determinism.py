"""Determinism: a reference solution graded several times in a row gets the same verdict
on every requirement, the same points wherever points do not rest on a measurement, and
the same measurements wherever they are counts rather than timings. Timings (the load
stage) vary, within the tolerance the exercise declares: the requirement keeps passing.
bench/bench_determinism.py prints the spread over five gradings."""

from __future__ import annotations

import time

import pytest
from hostile.support import RUNS, hostile_session, verdict, wait_gone  # noqa: F401

from kata.catalog import load_catalog
from kata.engine import GradeOptions, grade
from kata.gate import PhaseGate
from kata.repo import open_repo
from kata.sandbox.docker import DockerSandbox, connect
from kata.verify import measuring

pytestmark = [pytest.mark.docker, pytest.mark.slow]

CATALOG = load_catalog()
TIMED = {"load"}  # graders whose numbers are timings on this machine (measurements)
ROUNDS = 3


def _grade(exercise_id: str):
    ex = CATALOG.get(exercise_id)
    client = connect()
    made: list[str] = []

    def sandbox(e, run_id):
        made.append(run_id)
        RUNS.add(run_id)
        return DockerSandbox(limits=e.limits, run_id=run_id, client=client,
                             data_dir=e.app.data_dir)

    # its load phase takes the host alone, as every grade's does: the verification grades
    # beside the quiet tests (tests/_verification.py)
    gate = PhaseGate(measuring(ex))
    report = grade(ex, open_repo(ex.reference_path), CATALOG.grader_dir(ex), sandbox,
                   GradeOptions(seed=1), emit=gate)
    return report, made[0], gate.waited_s


@pytest.mark.parametrize("exercise_id", ["rest-api"])
def test_reference_grades_the_same_every_time(exercise_id):
    start = time.monotonic()
    graded = [_grade(exercise_id) for _ in range(ROUNDS)]
    took = time.monotonic() - start
    reports = [r for r, _, _ in graded]
    took -= sum(waited for _, _, waited in graded)  # turns at the gate are not kata's time
    first = reports[0]
    assert first.problem is None, first.problem
    for r in reports:
        assert r.problem is None, r.problem
        assert [q.status for q in r.requirements] == ["pass"] * len(r.requirements), \
            [(q.id, q.status, q.message) for q in r.requirements if q.status != "pass"]
        for q, q0 in zip(r.requirements, first.requirements):
            if q.grader in TIMED:
                continue  # measured: passes every time (checked above), numbers vary
            assert q.points_earned == q0.points_earned, (q.id, q.points_earned)
            counts = {k: v for k, v in q.measurements.items() if not k.endswith(("_s", "_ms"))}
            counts0 = {k: v for k, v in q0.measurements.items() if not k.endswith(("_s", "_ms"))}
            assert counts == counts0, (q.id, counts, counts0)
    assert {r.score.earned for r in reports} == {first.score.max}
    assert not wait_gone({run for _, run, _ in graded})
    assert took < ROUNDS * 60, f"{took:.0f} s"  # ~20-40 s a grade here
    verdict(f"determinism {exercise_id}", f"{ROUNDS} gradings: identical verdicts and points "
            f"({first.score.earned:g}/{first.score.max})", took)
