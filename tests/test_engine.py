"""The engine's flow, on the in-memory sandbox: phases, problems, cleanup, selection."""

from pathlib import Path

import pytest

from kata.catalog.models import Exercise
from kata.engine import GradeOptions, grade
from kata.errors import BuildFailed, KataError
from kata.events import PhaseFinished, RequirementJudged
from kata.outcomes import Outcome, Status
from kata.repo import Repo
from kata.sandbox.fake import FakeSandbox, FakeService
from kata.stages import STAGES, stage

calls: list[str] = []


@stage("fake-pass")
def _fake_pass(ctx):
    calls.append(f"pass:{','.join(r.id for r in ctx.requirements)}")
    return [Outcome(r.id, Status.PASS, "ok") for r in ctx.requirements]


@stage("fake-fail")
def _fake_fail(ctx):
    return [Outcome(r.id, Status.FAIL, "nope", evidence={"request": "GET /"})
            for r in ctx.requirements]


def _exercise(**extra) -> Exercise:
    return Exercise.model_validate({
        "id": "demo", "version": "1", "week": 1, "title": "Demo", "pass_mark": 50,
        "app": {"readiness": {"probe": "none"}},
        "services": {"db": {"image": "postgres:15", "ready": ["true"],
                            "exports": {"DATABASE_URL": "postgresql://{host}/x"}}},
        "requirements": [
            {"id": "boot", "title": "Boots", "points": 10, "grader": "boot"},
            {"id": "a", "title": "A", "points": 50, "grader": "fake-pass"},
            {"id": "b", "title": "B", "points": 40, "grader": "fake-fail", "hint": "do b",
             "hidden": extra.pop("hidden", False)},
        ],
        **extra,
    })


@pytest.fixture
def repo(tmp_path) -> Repo:
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    return Repo(path=tmp_path)


def _grade(exercise, repo, sandbox, **opts):
    events = []
    report = grade(exercise, repo, Path("."), lambda e, rid: sandbox, GradeOptions(**opts),
                   events.append)
    return report, events


def test_full_flow_scores_and_cleans_up(repo):
    sandbox = FakeSandbox()
    report, events = _grade(_exercise(), repo, sandbox)
    # the services start beside the build (either may reach the sandbox first), the app after
    assert sorted(sandbox.calls[:2]) == ["build", "service:db"] and sandbox.calls[2] == "app"
    assert sandbox.calls[-1] == "close" and sandbox.closed == 1
    assert sandbox.env == {"PORT": "8000", "DATABASE_URL": "postgresql://db/x"}
    assert report.score.earned == 60 and report.score.passed
    assert [p.name for p in report.phases] == [
        "build", "services", "boot", "boot check", "fake-pass", "fake-fail"]
    phases = [e.phase for e in events if isinstance(e, PhaseFinished)]
    assert phases == ["build", "services", "boot", "boot check", "fake-pass", "fake-fail"]
    judged = [e.outcome.requirement for e in events if isinstance(e, RequirementJudged)]
    assert judged == ["boot", "a", "b"]
    b = next(r for r in report.requirements if r.id == "b")
    assert b.hint == "do b" and b.evidence == {"request": "GET /"}


def test_build_failure_is_a_problem_not_an_exception(repo):
    sandbox = FakeSandbox(build_problem=BuildFailed("docker build failed: boom", "fix", "tail"))
    report, _ = _grade(_exercise(), repo, sandbox)
    # no specific cause in the log: the generic named diagnosis, with what kata saw
    assert report.problem.kind == "build-step-failed" and report.problem.log_tail == "tail"
    assert report.problem.detail == "docker build failed: boom"
    assert report.score.earned == 0
    statuses = {r.id: r.status for r in report.requirements}
    assert statuses == {"boot": "fail", "a": "skipped", "b": "skipped"}
    assert sandbox.closed == 1


def test_app_exit_before_ready_is_reported(repo):
    ex = _exercise(app={"readiness": {"probe": "http", "timeout_s": 5}})
    report, _ = _grade(ex, repo, FakeSandbox(app_exit_code=3))
    assert report.problem.kind == "app-exited" and "code 3" in report.problem.message


def test_graded_app_log_diagnoses_are_reported(repo):
    log = 'psycopg.errors.UndefinedTable: relation "items" does not exist'
    report, _ = _grade(_exercise(), repo, FakeSandbox(app_log=log))
    assert [d.id for d in report.diagnoses] == ["missing-tables"]


def test_kata_errors_propagate_after_cleanup(repo):
    sandbox = FakeSandbox()

    def broken(ctx):
        raise KataError("grader broke")

    STAGES["fake-fail"], saved = broken, STAGES["fake-fail"]
    try:
        with pytest.raises(KataError):
            _grade(_exercise(), repo, sandbox)
    finally:
        STAGES["fake-fail"] = saved
    assert sandbox.closed == 1


def test_only_selects_requirements(repo):
    calls.clear()
    report, _ = _grade(_exercise(), repo, FakeSandbox(), only={"a"})
    assert calls == ["pass:a"]
    statuses = {r.id: r.status for r in report.requirements}
    assert statuses == {"boot": "skipped", "a": "pass", "b": "skipped"}


def test_hidden_requirement_shows_no_details(repo):
    report, _ = _grade(_exercise(hidden=True), repo, FakeSandbox())
    b = next(r for r in report.requirements if r.id == "b")
    assert b.evidence == {} and "hidden" in b.message


def test_keep_leaves_sandbox_open(repo):
    sandbox = FakeSandbox()
    _grade(_exercise(), repo, sandbox, keep=True)
    assert sandbox.closed == 0


def test_the_report_records_what_produced_it(repo):
    """kata's version, the verdict-making libraries' and the engine's, in every report."""
    from importlib.metadata import version

    import kata

    report, _ = _grade(_exercise(), repo, FakeSandbox())
    v = report.versions
    assert v["kata"] == kata.__version__ and v["docker-engine"] == "fake"
    assert v["schemathesis"] == version("schemathesis") and v["locust"] == version("locust")
    assert v["docker-py"] == version("docker") and v["hypothesis"] == version("hypothesis")
    assert report.model_validate_json(report.model_dump_json()).versions == v


def test_a_kept_run_says_where_the_app_answers(repo):
    sandbox = FakeSandbox()
    report, _ = _grade(_exercise(), repo, sandbox, keep=True)
    assert sandbox.closed == 0
    kept = [n for n in report.notes if n.startswith("kept running (run ")]
    assert len(kept) == 1 and "remove it all with `kata clean`" in kept[0]
    # the Docker sandbox publishes a kept app: the note gives that address
    sandbox = FakeSandbox()
    real_start = sandbox.start_app

    def published(*args, **kwargs):
        app = real_start(*args, **kwargs)
        app.published = "127.0.0.1:49153"
        return app

    sandbox.start_app = published
    report, _ = _grade(_exercise(), repo, sandbox, keep=True)
    assert any("the app answers at 127.0.0.1:49153 on this machine" in n for n in report.notes)
    assert not any("db at" in n for n in report.notes)  # its facts name no port
    # a service whose facts name its port: where this machine reaches it, as the sandbox says
    db = {"image": "postgres:15", "ready": ["true"], "facts": {"port": "5432"}}
    report, _ = _grade(_exercise(services={"db": db}), repo, FakeSandbox(), keep=True)
    assert any("; db at 127.0.0.1:5432 on this machine" in n for n in report.notes)


def test_a_failed_requirement_carries_the_tip_of_the_recognised_stack(repo):
    ex = _exercise()
    b = ex.requirements[2].model_copy(update={"tips": {"go": "w.WriteHeader", "python": "py"}})
    ex = ex.model_copy(update={"requirements": [*ex.requirements[:2], b]})
    report, _ = _grade(ex, repo, FakeSandbox())
    assert report.stack is None and report.requirements[2].tip == ""  # no stack: no tip
    (repo.path / "go.mod").write_text("module example.com/demo\n")
    report, _ = _grade(ex, repo, FakeSandbox())
    failed, passed = report.requirements[2], report.requirements[1]
    assert report.stack == "go"
    assert (failed.hint, failed.tip) == ("do b", "w.WriteHeader")
    assert passed.tip == ""


def test_a_requirement_not_graded_gets_no_tip(repo):
    ex = _exercise()
    b = ex.requirements[2].model_copy(update={"tips": {"go": "w.WriteHeader"}})
    ex = ex.model_copy(update={"requirements": [*ex.requirements[:2], b]})
    (repo.path / "go.mod").write_text("module example.com/demo\n")
    report, _ = _grade(ex, repo, FakeSandbox(), only={"a"})
    assert report.requirements[2].status == "skipped" and report.requirements[2].tip == ""


def test_a_failed_build_stops_the_services_starting_beside_it(repo):
    """The services start while the image builds; when the build fails, their start is
    stopped before the sandbox closes (nothing of the run may be created after), and the
    grade reports the learner's build, not a service still coming up."""
    import threading

    class NeverReady(FakeSandbox):
        def start_service(self, name, image, env, aliases):
            self.calls.append(f"service:{name}")
            return FakeService(name=name, host=name, ready_after=10**9)

    sandbox = NeverReady(build_problem=BuildFailed("docker build failed: boom", "fix", "tail"))
    report, _ = _grade(_exercise(), repo, sandbox)
    assert report.problem.kind == "build-step-failed"
    assert not [t for t in threading.enumerate() if t.name == "kata-services"]
    assert sandbox.calls[-1] == "close" and sandbox.closed == 1


def test_a_compose_unit_is_started_by_the_sandbox_and_its_services_reach_the_graders(tmp_path):
    (tmp_path / "compose.yaml").write_text("services: {}\n")  # read by the real sandbox only
    sandbox = FakeSandbox()
    seen: dict[str, object] = {}

    @stage("fake-unit")
    def _unit(ctx):
        seen["services"], seen["port"] = sorted(ctx.services), ctx.app.port
        return [Outcome(r.id, Status.PASS, "ok") for r in ctx.requirements]

    exercise = _exercise(
        services={}, app={"kind": "compose", "gateway": "gateway", "port": 8080,
                          "readiness": {"probe": "none"}},
        requirements=[{"id": "u", "title": "U", "points": 10, "grader": "fake-unit"}])
    report, _ = _grade(exercise, Repo(path=tmp_path), sandbox)  # no Dockerfile: none needed
    assert report.problem is None, report.problem
    assert sandbox.calls == ["unit:gateway", "close"]
    assert seen == {"services": ["db"], "port": 8080}
    assert report.problem is None and report.score.earned == 10
    assert [p.name for p in report.phases] == ["build", "boot", "fake-unit"]


def test_compose_needs_a_gateway_and_only_compose_names_one():
    with pytest.raises(ValueError, match="gateway"):
        _exercise(app={"kind": "compose"})
    with pytest.raises(ValueError, match="gateway"):
        _exercise(app={"kind": "server", "gateway": "gateway"})


def test_a_document_exercise_builds_and_starts_nothing_but_its_services(tmp_path):
    """kind = "document": a repository without a Dockerfile is graded from its files; the
    exercise's services still start (a parser the graders call), and no app is."""
    (tmp_path / "DESIGN.md").write_text("# Design\n")
    seen = []

    @stage("fake-files")
    def _files(ctx):
        seen.append((ctx.files.read("DESIGN.md"), ctx.app.running(), ctx.image))
        return [Outcome(r.id, Status.PASS, "ok") for r in ctx.requirements]

    try:
        ex = Exercise.model_validate({
            "id": "doc", "version": "1", "week": 5, "title": "Doc", "pass_mark": 50,
            "app": {"kind": "document"},
            "services": {"parser": {"image": "kata/x:1", "ready": ["true"]}},
            "requirements": [{"id": "a", "title": "A", "points": 10, "grader": "fake-files"}]})
        sandbox = FakeSandbox()
        report, _ = _grade(ex, Repo(path=tmp_path), sandbox)
    finally:
        STAGES.pop("fake-files", None)
    assert seen == [("# Design\n", True, None)]
    assert "build" not in sandbox.calls and "app" not in sandbox.calls
    assert "service:parser" in sandbox.calls and sandbox.closed == 1
    assert [p.name for p in report.phases] == ["services", "fake-files"]
    assert report.score.earned == 10 and report.problem is None


def test_a_document_exercise_refuses_graders_that_need_an_app():
    with pytest.raises(ValueError, match="needs an app"):
        Exercise.model_validate({
            "id": "doc", "version": "1", "week": 5, "title": "Doc", "pass_mark": 50,
            "app": {"kind": "document"},
            "requirements": [{"id": "boot", "title": "B", "points": 10, "grader": "boot"}]})
