"""The contract stage's treatment of a crashing app, on the in-memory sandbox: a test that
leaves the app dead costs that requirement (an error saying so), and the app is started
again for the requirements graded after it."""

from __future__ import annotations

from pathlib import Path

from kata.catalog.models import App, Exercise
from kata.outcomes import Status
from kata.sandbox.fake import FakeApp
from kata.stages.contract import contract
from kata.stages.registry import StageContext

GRADER = '''
from kata.testing import requirement


@requirement("crashes")
def test_crashes(app):
    app.handle.exit_code = 3  # the app dies during this test
    raise ConnectionResetError("connection reset by peer")


@requirement("after")
def test_after(app):
    assert app.handle.exit_code is None, "the app should have been started again"
    assert app.run("list", env={"TODO_DB": "/data/x.db"}).code == 0
'''


def _exercise() -> Exercise:
    return Exercise.model_validate({
        "id": "demo", "version": "1", "week": 1, "title": "Demo", "pass_mark": 50,
        "requirements": [
            {"id": "crashes", "title": "C", "points": 50, "grader": "contract"},
            {"id": "after", "title": "A", "points": 50, "grader": "contract"},
        ],
    })


def test_a_crash_costs_one_requirement_and_the_app_is_revived(tmp_path: Path):
    (tmp_path / "test_demo.py").write_text(GRADER)
    app, readied = FakeApp(port=8000), []
    ex = _exercise()
    ctx = StageContext(name="contract", exercise=ex, grader_dir=tmp_path,
                       requirements=ex.requirements, app=app, services={}, seed=1,
                       ready=lambda: readied.append(1))
    outcomes = {o.requirement: o for o in contract(ctx)}
    crashed = outcomes["crashes"]
    assert crashed.status is Status.ERROR
    assert "exited with code 3 during this test" in crashed.message
    assert "restarted" in crashed.message
    assert outcomes["after"].status is Status.PASS, outcomes["after"].message
    # ready() once after the restart, once as the still-answering check before "after"
    assert app.restarts == 1 and readied == [1, 1]


def test_graders_know_the_environment_the_exercise_gives_the_app(tmp_path: Path):
    """A grader that acts as a party the app trusts (it signs tokens with the app's key)
    reads the exercise's [app] env as app.env."""
    (tmp_path / "test_env.py").write_text(
        "from kata.testing import requirement\n\n\n"
        "@requirement('after')\n"
        "def test_env(app):\n"
        "    assert app.env == {'JWT_SECRET': 'k3y'}, app.env\n")
    ex = _exercise().model_copy(update={"app": App(env={"JWT_SECRET": "k3y"})})
    ctx = StageContext(name="contract", exercise=ex, grader_dir=tmp_path,
                       requirements=[ex.requirement("after")], app=FakeApp(port=8000),
                       services={}, seed=1, ready=lambda: None)
    [outcome] = contract(ctx)
    assert outcome.status is Status.PASS, outcome.message


def test_graders_read_the_learners_files_and_an_oversized_one_is_the_learners_failure(
        tmp_path: Path):
    """Graders of artefacts (a workflow, a document) read the repository through app.files;
    a file over the cap fails the requirement as the learner's, not as kata's error."""
    from kata.repofiles import MAX_FILE_BYTES, RepoFiles

    graders, repo = tmp_path / "graders", tmp_path / "repo"
    graders.mkdir()
    (repo / ".github" / "workflows").mkdir(parents=True)
    (repo / ".github" / "workflows" / "ci.yml").write_text("on: push\n")
    (repo / "huge.md").write_text("x" * (MAX_FILE_BYTES + 1))
    (graders / "test_files.py").write_text(
        "from kata.testing import requirement\n\n\n"
        "@requirement('crashes')\n"
        "def test_workflow(app):\n"
        "    [name] = app.files.glob('.github/workflows/*.yml')\n"
        "    assert app.files.read(name) == 'on: push\\n'\n\n\n"
        "@requirement('after')\n"
        "def test_document(app):\n"
        "    assert app.files.read('huge.md')\n")
    ex = _exercise()
    ctx = StageContext(name="contract", exercise=ex, grader_dir=graders,
                       requirements=ex.requirements, app=FakeApp(port=8000), services={},
                       seed=1, ready=lambda: None, files=RepoFiles(repo))
    outcomes = {o.requirement: o for o in contract(ctx)}
    assert outcomes["crashes"].status is Status.PASS, outcomes["crashes"].message
    assert outcomes["after"].status is Status.FAIL
    assert not outcomes["after"].kata_fault
    assert "larger than" in outcomes["after"].message


def test_an_app_kata_stopped_on_purpose_is_not_a_crash(tmp_path: Path):
    """A grader of graceful shutdown stops the app (SIGTERM) and leaves it stopped: the
    requirement keeps its own verdict, and the app is started again for the next one."""
    (tmp_path / "test_stop.py").write_text(
        "from kata.testing import requirement\n\n\n"
        "@requirement('crashes')\n"
        "def test_shutdown(app):\n"
        "    assert app.stop().exit_code == 0\n\n\n"
        "@requirement('after')\n"
        "def test_after(app):\n"
        "    assert app.handle.exit_code is None and not app.stopped_by_kata\n")
    app, ex = FakeApp(port=8000), _exercise()
    ctx = StageContext(name="contract", exercise=ex, grader_dir=tmp_path,
                       requirements=ex.requirements, app=app, services={}, seed=1,
                       ready=lambda: None)
    outcomes = {o.requirement: o for o in contract(ctx)}
    assert outcomes["crashes"].status is Status.PASS, outcomes["crashes"].message
    assert outcomes["after"].status is Status.PASS, outcomes["after"].message
    assert app.restarts == 1
