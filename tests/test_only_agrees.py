"""`--only R` gives R the verdict of the full grade (issue #10 §1), graded by the real engine.

The full grade's verdicts are the mutants' declared `breaks`, which `test_exercises.py`
proves against a full grade of every variant. Grading every requirement of every variant
alone again would cost ~400 gradings; within the CI budget (≤ 5 min) this grades, per
variant, ONE `--only` run that selects:

- for a mutant, every requirement it declares lost that the contract stage grades: each
  must be lost alone too (a knock-on or an order effect shows as a pass here, e.g. a
  keyset offset that fails only after the schema stage's hundreds of items);
- for the reference, the second half of its contract requirements in grading order (the
  ones a full grade runs after the others, so the most exposed to relying on what those
  left behind: rows, keys, ids): each must pass without them.

Each selected requirement must be lost under `--only` exactly when the full grade loses it.
The schema and load stages are left out: they run right after boot in both gradings, on an
app in the same state, so their place in the order cannot change their verdict.
"""

from __future__ import annotations

import pytest
from test_exercises import CATALOG, sandbox_factory

from kata.engine import GradeOptions
from kata.mutants import load_mutants
from kata.verify import verify_variant

pytestmark = [pytest.mark.docker, pytest.mark.slow]


def selection(exercise, breaks: set[str]) -> set[str]:
    contract = [r.id for r in exercise.grading_order() if r.grader == "contract"]
    if breaks:
        return {rid for rid in contract if rid in breaks}
    return set(contract[len(contract) // 2:])


CASES = [
    pytest.param(ex.id, m.name if m else None, id=f"{ex.id}-{m.name if m else 'reference'}")
    for ex in CATALOG.exercises.values()
    for m in [None, *load_mutants(ex)]
]


@pytest.mark.parametrize("exercise_id,mutant", CASES)
def test_only_gives_the_full_grades_verdict(exercise_id, mutant, tmp_path_factory):
    ex = CATALOG.get(exercise_id)
    m = next((m for m in load_mutants(ex) if m.name == mutant), None)
    breaks = set(m.breaks) if m else set()
    only = selection(ex, breaks)
    if not only:
        pytest.skip("it loses only requirements the schema or load stage grades")
    workdir = tmp_path_factory.getbasetemp() / "only"
    workdir.mkdir(exist_ok=True)
    verdict = verify_variant(CATALOG, ex, m, sandbox_factory(), workdir,
                             GradeOptions(only=only))
    report = verdict.report
    assert report.problem is None, verdict.explain()
    rows = {r.id: r for r in report.requirements}
    # A row's verdict under --only is its own status; a selected row is never "not selected".
    lost_alone = {rid for rid in only if rows[rid].status != "pass"}
    assert lost_alone == breaks & only, (
        f"--only {sorted(only)}: lost {sorted(lost_alone)}, the full grade loses "
        f"{sorted(breaks & only)}\n{verdict.explain()}")
    for r in report.requirements:  # the score judges the selected requirements only
        assert (r.id in only) or r.points_earned == 0
    assert report.score.max == sum(ex.requirement(rid).points for rid in only)
