"""The graders' own tests (golden learner fixtures): every exercise's reference solution
scores full marks, and every mutant loses exactly the requirements it declares — graded
by the real engine in real Docker."""

from __future__ import annotations

from pathlib import Path

import pytest

from kata.catalog import load_catalog
from kata.engine import GradeOptions, grade
from kata.mutants import load_mutants, materialize
from kata.repo import open_repo
from kata.sandbox.docker import DockerSandbox, connect

CATALOG = load_catalog()
VARIANTS = [
    pytest.param(ex.id, None, id=f"{ex.id}-reference") for ex in CATALOG.exercises.values()
] + [
    pytest.param(ex.id, m.name, id=f"{ex.id}-{m.name}")
    for ex in CATALOG.exercises.values()
    for m in load_mutants(ex)
]


def grade_folder(exercise_id: str, folder: Path, **options):
    ex = CATALOG.get(exercise_id)
    client = connect()
    return grade(
        ex,
        open_repo(folder),
        CATALOG.grader_dir(ex),
        lambda e, run_id: DockerSandbox(limits=e.limits, run_id=run_id, client=client,
                                        data_dir=e.app.data_dir),
        GradeOptions(**options),
    )


def _explain(report) -> str:
    return "\n".join(f"{r.id}: {r.status} {r.message}" for r in report.requirements) + (
        f"\nproblem: {report.problem.message}\n{report.problem.log_tail}" if report.problem else ""
    )


@pytest.mark.docker
@pytest.mark.slow
@pytest.mark.parametrize("exercise_id,mutant", VARIANTS)
def test_variant_scores_exactly(exercise_id, mutant, tmp_path):
    ex = CATALOG.get(exercise_id)
    if mutant is None:
        folder, breaks = ex.reference_path, set()
    else:
        m = next(m for m in load_mutants(ex) if m.name == mutant)
        # one folder per mutant name so repeated runs reuse the cached image's layers
        folder = materialize(ex, m, tmp_path / f"{exercise_id}-{mutant}")
        breaks = set(m.breaks)
    report = grade_folder(exercise_id, folder)
    assert report.problem is None, _explain(report)
    lost = {r.id for r in report.requirements if r.status != "pass"}
    assert lost == breaks, _explain(report)
    expected = ex.max_points - sum(ex.requirement(r).points for r in breaks)
    assert report.score.earned == expected, _explain(report)
