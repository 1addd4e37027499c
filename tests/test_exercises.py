"""The graders' own tests (golden learner fixtures): every exercise's reference solution
scores full marks, and every mutant loses exactly the requirements it declares — graded
by the real engine in real Docker, in every run.

The selected variants are graded once per session, each exercise's in one process of its
own (the graders' imports paid once per exercise), from the session's start, beside the
other tests (one exercise at a time), then KATA_VERIFY_JOBS at a time once these tests,
which run last, wait for them (scripts/test sets 2: a grade waits on Docker much of its
time; a measuring phase — load, a timed requirement — still runs alone on the host,
`kata.gate`). See tests/_verification.py. Each test judges its variant's report."""

from __future__ import annotations

from pathlib import Path

import pytest

from kata.catalog import load_catalog
from kata.engine import GradeOptions, grade
from kata.gate import PhaseGate
from kata.mutants import load_mutants
from kata.repo import open_repo
from kata.report import Report
from kata.sandbox.docker import DockerSandbox, connect
from kata.verify import VariantResult, measuring

CATALOG = load_catalog()
VARIANTS = [
    pytest.param(ex.id, None, id=f"{ex.id}-reference") for ex in CATALOG.exercises.values()
] + [
    pytest.param(ex.id, m.name, id=f"{ex.id}-{m.name}")
    for ex in CATALOG.exercises.values()
    for m in load_mutants(ex)
]


def sandbox_factory(client=None):
    client = client or connect()
    return lambda e, run_id: DockerSandbox(limits=e.limits, run_id=run_id, client=client,
                                           data_dir=e.app.data_dir)


def grade_folder(exercise_id: str, folder: Path, **options):
    """Grade a folder with the real engine (used by other real-Docker tests too), taking
    turns host-wide around measurements as every grade does (`kata.gate`): the verification
    grades beside these tests, and neither may distort the other's measured figures."""
    ex = CATALOG.get(exercise_id)
    return grade(ex, open_repo(folder), CATALOG.grader_dir(ex), sandbox_factory(),
                 GradeOptions(**options), emit=PhaseGate(measuring(ex)))


@pytest.mark.docker
@pytest.mark.slow
@pytest.mark.parametrize("exercise_id,mutant", VARIANTS)
def test_variant_scores_exactly(exercise_id, mutant, reports):
    ex = CATALOG.get(exercise_id)
    m = next((m for m in load_mutants(ex) if m.name == mutant), None)
    report = reports[exercise_id, mutant or "reference"]
    assert isinstance(report, Report), report
    result = VariantResult(mutant or "reference", set(m.breaks) if m else set(), report)
    assert result.ok, result.explain()
    # A lost requirement earns nothing, except one scored in part (a load SLO ramps between
    # its full and zero bounds): it earns less than its points, and exactly that share.
    earned = {r.id: r.points_earned for r in report.requirements}
    expected = float(ex.max_points)
    for rid in result.expected_lost:
        req = ex.requirement(rid)
        kept = earned[rid] if req.partial else 0.0
        assert 0.0 <= kept < req.points, f"{rid} earned {kept} of {req.points}: not lost"
        expected -= req.points - kept
    assert result.report.score.earned == pytest.approx(expected, abs=0.01), result.explain()


def test_mutants_that_keep_their_load_verdicts_take_the_short_profile():
    """The reference and every mutant that declares a loss under load are graded with the
    full profile; every other mutant with the short one (its load verdicts must still pass)."""
    from kata.catalog.models import MEASURED_FOR
    from kata.stages.load import SHORT_DURATION_S
    from kata.verify import SHORT_TIMED_S, as_graded

    seen_short = seen_full = 0
    for ex in CATALOG.exercises.values():
        assert as_graded(ex, None) is ex
        measured = {r.id for r in ex.requirements
                    if r.grader == "load" or MEASURED_FOR in r.thresholds}
        for m in load_mutants(ex):
            graded = as_graded(ex, m)
            for r, g in zip(ex.requirements, graded.requirements):
                if r.id in measured and r.id in m.breaks:
                    assert g == r and graded.graders.load == ex.graders.load
                    seen_full += 1
                elif MEASURED_FOR in r.thresholds:
                    cut = min(r.thresholds[MEASURED_FOR], SHORT_TIMED_S)
                    assert g.thresholds[MEASURED_FOR] == cut
                    seen_short += 1
            if any(r.grader == "load" for r in ex.requirements) and not measured & set(m.breaks):
                assert graded.graders.load.duration_s <= SHORT_DURATION_S
                seen_short += 1
    assert seen_short and seen_full  # the catalog has both kinds: this test checks something


def test_mutants_that_keep_their_schema_verdict_take_fewer_examples():
    """A mutant that declares a loss to the schema stage is fuzzed as the reference is; any
    other mutant with at most SHORT_EXAMPLES examples per operation (it must still pass)."""
    from kata.verify import SHORT_EXAMPLES, as_graded

    seen_short = seen_full = 0
    for ex in CATALOG.exercises.values():
        schema = {r.id for r in ex.requirements if r.grader == "schema"}
        full = ex.graders.schema_
        for m in load_mutants(ex):
            got = as_graded(ex, m).graders.schema_
            if not schema or schema & set(m.breaks):
                assert got == full, (ex.id, m.name)
                seen_full += bool(schema)
            else:
                assert got.max_examples == min(full.max_examples, SHORT_EXAMPLES), (ex.id, m.name)
                assert got.model_copy(update={"max_examples": full.max_examples}) == full
                seen_short += full.max_examples > SHORT_EXAMPLES
    assert seen_short and seen_full  # the catalog has both kinds: this test checks something


@pytest.mark.docker
@pytest.mark.slow
def test_a_known_dependency_clash_is_named_on_the_scorecard(tmp_path):
    """notes-jwt's passlib-bcrypt5 mutant answers 500 to every register; the report names
    the cause (passlib's self-test against bcrypt 5), read from the app's log."""
    from kata.mutants import materialize

    ex = CATALOG.get("notes-jwt")
    mutant = next(m for m in load_mutants(ex) if m.name == "passlib-bcrypt5")
    report = grade_folder("notes-jwt", materialize(ex, mutant, tmp_path / "repo"),
                          only={"register"})
    assert [r.status for r in report.requirements if r.id == "register"] == ["fail"]
    assert [d.id for d in report.diagnoses] == ["passlib-bcrypt5"]
