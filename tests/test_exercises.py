"""The graders' own tests (golden learner fixtures): every exercise's reference solution
scores full marks, and every mutant loses exactly the requirements it declares — graded
by the real engine in real Docker."""

from __future__ import annotations

from pathlib import Path

import pytest

from kata.catalog import load_catalog
from kata.engine import GradeOptions, grade
from kata.mutants import load_mutants
from kata.repo import open_repo
from kata.sandbox.docker import DockerSandbox, connect
from kata.verify import verify_variant

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
    """Grade a folder with the real engine (used by other real-Docker tests too)."""
    ex = CATALOG.get(exercise_id)
    return grade(ex, open_repo(folder), CATALOG.grader_dir(ex), sandbox_factory(),
                 GradeOptions(**options))


@pytest.mark.docker
@pytest.mark.slow
@pytest.mark.parametrize("exercise_id,mutant", VARIANTS)
def test_variant_scores_exactly(exercise_id, mutant, tmp_path_factory):
    ex = CATALOG.get(exercise_id)
    m = next((m for m in load_mutants(ex) if m.name == mutant), None)
    workdir = tmp_path_factory.getbasetemp() / "variants"
    workdir.mkdir(exist_ok=True)
    verdict = verify_variant(CATALOG, ex, m, sandbox_factory(), workdir)
    assert verdict.ok, verdict.explain()
    expected = ex.max_points - sum(ex.requirement(r).points for r in verdict.expected_lost)
    assert verdict.report.score.earned == expected, verdict.explain()
