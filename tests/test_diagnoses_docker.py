"""Each named diagnosis has a fixture repo that triggers it; the real engine must name it."""

from __future__ import annotations

from pathlib import Path

import pytest

from kata.catalog import load_catalog
from kata.engine import GradeOptions, grade
from kata.repo import open_repo
from kata.sandbox.docker import DockerSandbox, connect

FIXTURES = Path(__file__).parent / "fixtures" / "diagnoses"
CATALOG = load_catalog(FIXTURES / "home")

# case -> (problem kind, a phrase the verdict line must hold); None kind = graded app
CASES = {
    "no-dockerfile": ("no-dockerfile", "found backend/Dockerfile"),
    "buildkit-syntax": ("buildkit-syntax", "BuildKit-only syntax"),
    "pin-not-found": ("pin-not-found", "fastapi==0.0.999"),
    "needs-compiler": ("needs-compiler", "no compiler"),
    "app-exited": ("app-exited", "exited with code 3"),
    "oom-killed": ("oom-killed", "more memory than its limit"),
    "hard-coded-host": ("hard-coded-host", "hard-coded localhost"),
    "listens-on-localhost": ("listens-on-localhost", "127.0.0.1:8000"),
    "wrong-port": ("wrong-port", "port 5000, not on $PORT (8000)"),
    "health-endpoint": ("health-endpoint", "/health does not exist (it answered 404)"),
    "not-listening": ("not-listening", "listens on no TCP port"),
    "no-cmd": ("no-cmd", "has no CMD"),
}


def _grade(case: str):
    ex = CATALOG.get("diag")
    client = connect()
    return grade(ex, open_repo(FIXTURES / case), CATALOG.grader_dir(ex),
                 lambda e, rid: DockerSandbox(limits=e.limits, run_id=rid, client=client),
                 GradeOptions())


@pytest.mark.docker
@pytest.mark.parametrize("case", sorted(CASES))
def test_boot_diagnosis_is_named(case):
    kind, phrase = CASES[case]
    report = _grade(case)
    assert report.problem is not None, f"{case} was graded: {report.score}"
    assert report.problem.kind == kind, report.problem
    assert phrase in report.problem.message + report.problem.fix, report.problem
    assert report.score.earned == 0


@pytest.mark.docker
def test_missing_tables_is_noticed_on_a_graded_app():
    report = _grade("missing-tables")
    assert report.problem is None
    assert [d.id for d in report.diagnoses] == ["missing-tables"]
    assert "'items'" in report.diagnoses[0].message


def test_every_registered_diagnosis_has_a_fixture_repo():
    """A new diagnosis comes with the repo that triggers it (the codecrafters rule)."""
    from kata.diagnoses import REGISTRY

    named = {kind for kind, _ in CASES.values()} | {"missing-tables"}
    # build-step-failed is the catch-all of a failed build: any fixture that breaks a
    # build some other way (pin-not-found, needs-compiler) reaches it when unnamed.
    assert {name for name, _, _ in REGISTRY} - named == {"build-step-failed"}
