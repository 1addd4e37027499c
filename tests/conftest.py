"""Shared test helpers. Real-Docker tests are marked ``docker`` and skipped only when the
engine is unreachable outside CI; in CI (CI=true) a missing engine is a failure."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# pytest-xdist (scripts/test --fast) starts its workers with COLUMNS=80; rich's consoles
# (kata.cli) take their width from it once, at import, over the width each CLI test asks
# for: long messages wrapped into the phrases the tests look for.
os.environ.pop("COLUMNS", None)

from kata.verify import ONLY  # after the environment above is settled

ROOT = Path(__file__).resolve().parents[1]


def docker_available() -> bool:
    try:
        import docker

        docker.from_env(timeout=5).ping()
        return True
    except Exception:
        return False


# The tests that judge the verification's reports (tests/_verification.py): the name of
# each, and the suffix of the grading it wants of its variant (a full one, or `--only`).
VARIANT_TESTS = {"test_variant_scores_exactly": "", "test_only_gives_the_full_grades_verdict": ONLY}
# Tests that bound kata's own wall-clock time (through the CLI a grade waits at the
# host-wide gate while a neighbour measures): they run first, while the verification grades
# only exercises that never measure beside them (tests/_verification.py).
QUIET = ("test_hostile", "test_interrupts", "test_kata_toml_real", "test_readiness_steady",
         "test_image_graders", "test_localimages")


def _quiet(item: pytest.Item) -> bool:
    return item.path.name.startswith(QUIET)


@pytest.hookimpl(trylast=True)  # after `-m` deselection: `-m "not docker"` needs no engine
def pytest_collection_modifyitems(config, items):
    if any("docker" in item.keywords for item in items) and not docker_available():
        if os.environ.get("CI"):
            raise pytest.UsageError("CI=true but Docker is not reachable: .ci/run must start it")
        skip = pytest.mark.skip(reason="Docker engine not reachable")
        for item in items:
            if "docker" in item.keywords:
                item.add_marker(skip)
    # The quiet tests first, the variant tests last: their verification grades beside the
    # tests in between.
    items.sort(key=lambda item: (getattr(item, "originalname", "") in VARIANT_TESTS,
                                 not _quiet(item)))


@pytest.fixture(autouse=True)
def _verification_beside(request: pytest.FixtureRequest) -> None:
    """The session's verification starts with its first test; with the first test that is
    not quiet, it may grade every exercise."""
    if request.config.rootpath == ROOT:
        running = request.getfixturevalue("verification")
        if running is not None and not _quiet(request.node):
            running.quiet_over()


@pytest.fixture(scope="session")
def verification(request: pytest.FixtureRequest):
    """Every variant the session selected (a full grade, an `--only` one, or both), graded
    from the session's first test on (_verification)."""
    if request.config.rootpath != ROOT:  # kata's contract stage grading a fixture exercise
        yield None
        return
    from _verification import Verification

    wanted: dict[str, list[str]] = {}
    for item in request.session.items:
        suffix = VARIANT_TESTS.get(getattr(item, "originalname", ""))
        if suffix is not None and item.get_closest_marker("skip") is None:
            params = item.callspec.params
            name = (params["mutant"] or "reference") + suffix
            wanted.setdefault(params["exercise_id"], []).append(name)
    if not wanted:
        yield None
        return
    jobs = int(os.environ.get("KATA_VERIFY_JOBS", "1"))
    running = Verification(wanted, request.getfixturevalue("tmp_path_factory").mktemp("verify"),
                           jobs)
    running.start()
    yield running
    running.cancel()


@pytest.fixture(scope="session")
def reports(verification):
    """The report of every grading of a variant this session selected, by (exercise, name)
    (a variant's name, with ONLY for its `--only` grade): graded in the background since the
    session began (``verification``), waited for here."""
    return verification.reports()


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session", autouse=True)
def every_report_imports(request: pytest.FixtureRequest):
    """At the end of the session: every kata report the tests wrote imports into the
    leaderboard (tests/_report_check.py). kata's contract stage runs pytest on the fixture
    exercises' graders below tests/, which loads this file too: there it does nothing."""
    if request.config.rootpath != ROOT:
        yield
        return
    basetemp = request.getfixturevalue("tmp_path_factory").getbasetemp()
    yield
    from _report_check import refused_reports

    refused = refused_reports(basetemp)
    assert not refused, "reports kata wrote that the leaderboard refuses:\n" + "\n".join(refused)
