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
    "localhost-ipv6": ("localhost-ipv6", "('::1', 8000, 0, 0): cannot assign requested address"),
    "database-credentials": ("database-credentials", 'could not translate host name "database"'),
    "missing-setting": ("missing-setting", '[env] SECRET_KEY = "'),
    "traceback": ("traceback", "exited with code 0: sqlite3.OperationalError: unable to open"),
    "compose-command": ("compose-command", 'kata.toml: command = "python3 app.py"'),
    "copy-context": ("copy-context", "`docker build -f docker/app/Dockerfile .`"),
    "dockerfile-elsewhere": ("dockerfile-elsewhere",
                             'dockerfile = "docker/app/Dockerfile" and context = "."'),
}
# graded against an exercise that waits 120 s for readiness: the verdict must come once the
# app's state cannot change (a steady 404 for 10 s, a listener kata cannot reach for 5 s),
# within these many seconds of boot (the app starts in about 1 s; the margin is for a busy
# machine, far below the 120 s it would take otherwise). A lookup of an unknown host takes
# 10 s on kata's internal network before it fails, longer than the short diag timeout.
PATIENT = {"health-endpoint": 25.0, "wrong-port": 18.0, "listens-on-localhost": 18.0,
           "database-credentials": 30.0}


def _grade(case: str):
    ex = CATALOG.get("diag-patient" if case in PATIENT else "diag")
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
    if case in PATIENT:
        boot = next(p.duration_s for p in report.phases if p.name == "boot")
        assert boot < PATIENT[case], f"{case}: the boot phase took {boot} s"


@pytest.mark.docker
def test_missing_tables_is_noticed_on_a_graded_app():
    report = _grade("missing-tables")
    assert report.problem is None
    assert [d.id for d in report.diagnoses] == ["missing-tables"]
    assert "'items'" in report.diagnoses[0].message


def test_every_registered_diagnosis_has_a_fixture_repo():
    """A new diagnosis comes with the repo that triggers it (the codecrafters rule)."""
    from kata.diagnoses import REGISTRY

    # on graded apps: missing-tables above; passlib-bcrypt5 by notes-jwt's mutant modelled
    # on it (test_exercises.py), which is a fixture repo of its own
    named = {kind for kind, _ in CASES.values()} | {"missing-tables", "passlib-bcrypt5"}
    # build-step-failed is the catch-all of a failed build: any fixture that breaks a
    # build some other way (pin-not-found, needs-compiler) reaches it when unnamed.
    assert {name for name, _, _ in REGISTRY} - named == {"build-step-failed"}


@pytest.mark.docker
def test_a_patch_tag_without_a_stand_in_gets_the_nearest_local_one():
    """`FROM python:3.10.4-slim` with no registry in reach: still this machine's gap (exit 4),
    with the nearest image here in the fix. Where a registry answers, nothing changes: the
    pull works, or its refusal is the learner's build failure."""
    from kata.errors import ImageMissing
    from kata.sandbox.docker import connect
    from kata.sandbox.housekeeping import image_summaries

    tags = {t for img in image_summaries(connect()) for t in img.get("RepoTags") or []}
    if "python:3.10.4-slim" in tags or "python:3.10-slim" not in tags:
        pytest.skip("needs python:3.10-slim here and no python:3.10.4-slim")
    with pytest.raises(ImageMissing) as e:
        _grade("base-image-tag")
    assert "build FROM python:3.10-slim (the nearest image here)" in e.value.fix
    assert "python:3.10.4-slim is not on this machine" in e.value.message
