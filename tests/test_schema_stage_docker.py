"""The schema stage in real Docker: the same repository graded three times gets the same
conformance verdict — same status, same message, same numbers — and a bug only generated
requests reach is found every time."""

from __future__ import annotations

from pathlib import Path

import pytest

from kata.catalog import load_catalog
from kata.engine import GradeOptions, grade
from kata.mutants import load_mutants, materialize
from kata.repo import open_repo
from kata.sandbox.docker import DockerSandbox, connect

CATALOG = load_catalog()
EXERCISE = CATALOG.get("rest-api")


def _conformance(folder: Path) -> tuple:
    client = connect()
    report = grade(
        EXERCISE, open_repo(folder), CATALOG.grader_dir(EXERCISE),
        lambda e, run_id: DockerSandbox(limits=e.limits, run_id=run_id, client=client),
        GradeOptions(only={"conformance"}),
    )
    assert report.problem is None, report.problem
    r = next(r for r in report.requirements if r.id == "conformance")
    return r.status, r.message, r.points_earned, dict(r.measurements), dict(r.evidence)


@pytest.mark.docker
@pytest.mark.slow
@pytest.mark.parametrize("variant", ["reference", "negative-id-500"])
def test_three_grades_give_the_same_conformance_verdict(variant, tmp_path):
    if variant == "reference":
        folder = EXERCISE.reference_path
    else:
        mutant = next(m for m in load_mutants(EXERCISE) if m.name == variant)
        folder = materialize(EXERCISE, mutant, tmp_path / variant)
    first, *others = [_conformance(folder) for _ in range(3)]
    assert all(o == first for o in others), [first, *others]
    status, message, points, measured, evidence = first
    if variant == "reference":
        assert status == "pass" and points == 10
    else:
        assert status == "fail" and points == 0
        assert message.startswith(("GET /items/{id}: server error",
                                   "PUT /items/{id}: server error",
                                   "DELETE /items/{id}: server error"))
        assert evidence["replay"].startswith("curl") and "localhost:8000/items/-" in \
            evidence["replay"]
    assert measured["schema_cases"] > 100
