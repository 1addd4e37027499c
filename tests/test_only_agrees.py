"""`--only R` gives R the verdict of the full grade (issue #10 §1), graded by the real engine.

The full grade's verdicts are the mutants' declared `breaks`, which `test_exercises.py`
proves against a full grade of every variant. Per exercise, the reference and its mutant
most exposed to an order effect (`kata.verify.only_sample`) get ONE `--only` grade each,
selecting the requirements of `kata.verify.only_selection` (a mutant's lost contract
requirements; the reference's second half in grading order); each must be lost alone
exactly when the full grade loses it. `scripts/only-matrix` checks every requirement of
every variant (not in CI: hundreds of gradings). The verification grades each right after
the variant's full grade, in that exercise's process beside the other tests
(tests/_verification.py); this test judges it.
"""

from __future__ import annotations

import pytest
from test_exercises import CATALOG

from kata.mutants import load_mutants
from kata.verify import ONLY, VariantResult, only_sample, only_selection

pytestmark = [pytest.mark.docker, pytest.mark.slow]

CASES = [
    pytest.param(ex.id, m.name if m else None, id=f"{ex.id}-{m.name if m else 'reference'}")
    for ex in CATALOG.exercises.values()
    for m in only_sample(ex)
]


@pytest.mark.parametrize("exercise_id,mutant", CASES)
def test_only_gives_the_full_grades_verdict(exercise_id, mutant, reports):
    ex = CATALOG.get(exercise_id)
    m = next((m for m in load_mutants(ex) if m.name == mutant), None)
    breaks = set(m.breaks) if m else set()
    only = only_selection(ex, m)
    if not only:
        pytest.skip("it loses only requirements the schema or load stage grades")
    report = reports[exercise_id, (mutant or "reference") + ONLY]
    assert not isinstance(report, str), report
    explain = VariantResult(mutant or "reference", breaks, report).explain()
    assert report.problem is None, explain
    rows = {r.id: r for r in report.requirements}
    # A row's verdict under --only is its own status; a selected row is never "not selected".
    lost_alone = {rid for rid in only if rows[rid].status != "pass"}
    assert lost_alone == breaks & only, (
        f"--only {sorted(only)}: lost {sorted(lost_alone)}, the full grade loses "
        f"{sorted(breaks & only)}\n{explain}")
    for r in report.requirements:  # the score judges the selected requirements only
        assert (r.id in only) or r.points_earned == 0
    assert report.score.max == sum(ex.requirement(rid).points for rid in only)
