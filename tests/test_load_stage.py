"""The load stage without Docker: the real locust child against a stub API on 127.0.0.1,
and the stage itself with a stand-in reference — calibration cached and reused, a failing
verdict confirmed, a saturated generator reported instead of scored. Each run is bounded:
a few users for about a second."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import pytest
from _stubapi import Behaviour, serve

from kata import calibration
from kata.catalog.models import Exercise
from kata.outcomes import Status
from kata.sandbox.fake import FakeApp
from kata.stages.load import LoadOptions, load, run_profile
from kata.stages.registry import StageContext

LOCUSTFILE = '''
from locust import FastHttpUser, constant, task

class Reader(FastHttpUser):
    wait_time = constant(0)

    @task
    def health(self):
        self.client.get("/health")
'''
BURNER = LOCUSTFILE + '''
    @task
    def burn(self):  # a generator busy with itself, not with the app
        import time
        end = time.monotonic() + 0.2
        while time.monotonic() < end:
            pass
'''
QUICK = {"users": 2, "spawn_rate": 50, "warmup_s": 0, "duration_s": 1.0, "max_requests": 5000}


@pytest.fixture(autouse=True)
def _state(tmp_path, monkeypatch):
    monkeypatch.setenv("KATA_STATE_DIR", str(tmp_path / "state"))


def _grader_dir(tmp_path: Path, text: str = LOCUSTFILE) -> Path:
    folder = tmp_path / "graders"
    folder.mkdir(exist_ok=True)
    (folder / "locustfile.py").write_text(text)
    return folder


def test_the_child_reports_final_stats(tmp_path):
    folder = _grader_dir(tmp_path)
    with serve() as (host, port, b):
        stats = run_profile(f"http://{host}:{port}", str(folder / "locustfile.py"),
                            LoadOptions(**QUICK))
    assert stats["requests"] > 20 and stats["failures"] == 0 and stats["error_rate"] == 0
    assert stats["rps"] > 0 and 0 < stats["p50_ms"] <= stats["p95_ms"] <= stats["p99_ms"]
    assert [e["name"] for e in stats["endpoints"]] == ["/health"]
    assert stats["users"] == 2 and len(stats["cpu_samples"]) >= 2
    assert len(b.seen) >= stats["requests"]  # every measured request reached the stub


def test_the_request_cap_stops_the_run(tmp_path):
    folder = _grader_dir(tmp_path)
    opts = LoadOptions(**{**QUICK, "duration_s": 30, "max_requests": 100})
    with serve() as (host, port, _):
        stats = run_profile(f"http://{host}:{port}", str(folder / "locustfile.py"), opts)
    assert stats["stopped_by"] == "requests" and 100 <= stats["requests"] < 120
    assert stats["measured_s"] < 10


def _exercise(thresholds: dict) -> Exercise:
    return Exercise.model_validate({
        "id": "demo", "version": "1", "week": 1, "title": "Demo", "pass_mark": 50,
        "graders": {"load": QUICK},
        "requirements": [{"id": "speed", "title": "Fast", "points": 10, "grader": "load",
                          "partial": True, "thresholds": thresholds}],
        "root": str(Path(__file__).parent),
    })


RELATIVE = {"p95_ms": {"max": {"ref": 3.0, "plus": 20},
                       "zero": {"ref": 10.0, "plus": 100, "cap": 250}},
            "error_rate": {"max": 0.01}}


def _ctx(tmp_path, exercise, app_port, reference_port, text=LOCUSTFILE, recalibrate=False,
         started=None):
    started = [] if started is None else started

    @contextmanager
    def start_reference():
        started.append(1)
        yield FakeApp(port=reference_port)

    ctx = StageContext(name="load", exercise=exercise, grader_dir=_grader_dir(tmp_path, text),
                       requirements=exercise.requirements, app=FakeApp(port=app_port),
                       services={}, seed=1, start_reference=start_reference,
                       recalibrate=recalibrate)
    return ctx, started


def test_calibration_is_measured_once_then_reused(tmp_path, monkeypatch):
    monkeypatch.setattr(calibration, "folder_digest", lambda folder: "reference-digest")
    exercise = _exercise(RELATIVE)
    with serve() as (_, ref_port, _ref), serve() as (_, app_port, _app):
        ctx, started = _ctx(tmp_path, exercise, app_port, ref_port)
        [first] = load(ctx)
        assert len(started) == 1  # measured: nothing cached yet
        again, _ = _ctx(tmp_path, exercise, app_port, ref_port, started=started)
        [second] = load(again)
        assert len(started) == 1  # the cached figures, no second reference run
        forced, _ = _ctx(tmp_path, exercise, app_port, ref_port, recalibrate=True,
                         started=started)
        load(forced)
    assert len(started) == 2  # the cold grade and the forced one
    assert first.status is Status.PASS and second.status is Status.PASS
    assert "reference here: p95" in first.message
    assert first.measurements["ref_p95_ms"] > 0 and first.measurements["p95_ms"] > 0
    assert len(list(calibration.cache_dir().glob("*.json"))) == 1


def test_a_slow_app_fails_after_the_reference_is_measured_again(tmp_path, monkeypatch):
    monkeypatch.setattr(calibration, "folder_digest", lambda folder: "reference-digest")
    exercise = _exercise(RELATIVE)
    with serve() as (_, ref_port, _ref), serve(Behaviour(delay_s=0.3)) as (_, app_port, _app):
        warm, _ = _ctx(tmp_path, exercise, app_port, ref_port)
        calibration.save(calibration.Calibration(
            key=calibration.calibration_key(_basis_of(warm)),
            figures={"p95_ms": 2.0, "rps": 900.0, "error_rate": 0.0, "p50_ms": 1.0,
                     "p99_ms": 3.0}))
        [o] = load(warm)
    assert o.status is Status.FAIL and o.fraction == 0.0
    assert o.measurements["p95_ms"] >= 300
    assert "best of 2 runs; the reference was measured again just now" in o.message
    assert "slowest: /health" in o.message


def _basis_of(ctx):
    from kata.stages.load import _basis

    opts = ctx.exercise.graders.load
    return _basis(ctx, opts, str(ctx.grader_dir / opts.locustfile))


def test_a_saturated_generator_is_reported_not_scored(tmp_path):
    exercise = _exercise({"p95_ms": {"max": 1000}})
    with serve() as (_, app_port, _):
        ctx, started = _ctx(tmp_path, exercise, app_port, 0, text=BURNER)
        [o] = load(ctx)
    assert o.status is Status.ERROR and started == []  # absolute SLOs: no calibration
    assert o.message.startswith("load generator saturated (")
    assert "result not scored" in o.message
    assert "% CPU" in o.message  # busy, or starved and late: either way, not scored


# -- the engine's side: a reference app for calibration -----------------------------------
def test_the_engine_starts_the_reference_in_a_sandbox_of_its_own(tmp_path):
    from kata.engine import GradeOptions, grade
    from kata.outcomes import Outcome
    from kata.repo import Repo
    from kata.sandbox.fake import FakeSandbox
    from kata.stages import stage

    root = tmp_path / "exercise"
    (root / "reference").mkdir(parents=True)
    (root / "reference" / "Dockerfile").write_text("FROM scratch\n")
    learner = tmp_path / "learner"
    learner.mkdir()
    (learner / "Dockerfile").write_text("FROM scratch\n")
    exercise = Exercise.model_validate({
        "id": "demo", "version": "1", "week": 1, "title": "Demo", "pass_mark": 50,
        "app": {"readiness": {"probe": "none"}},
        "services": {"db": {"image": "postgres:15", "ready": ["true"]}},
        "requirements": [{"id": "r", "title": "R", "points": 1, "grader": "uses-reference"}],
        "root": str(root),
    })
    sandboxes: dict[str, FakeSandbox] = {}
    seen = {}

    @stage("uses-reference")
    def _uses_reference(ctx):
        seen["recalibrate"] = ctx.recalibrate
        with ctx.start_reference() as ref_app:
            seen["port"] = ref_app.port
            seen["open"] = [s.closed for s in sandboxes.values()]
        return [Outcome(r.id, Status.PASS) for r in ctx.requirements]

    def factory(e, run_id):
        return sandboxes.setdefault(run_id, FakeSandbox(run_id=run_id))

    report = grade(exercise, Repo(path=learner), tmp_path, factory,
                   GradeOptions(recalibrate=True))
    assert report.score.earned == 1 and seen["recalibrate"] is True
    assert len(sandboxes) == 2 and seen["open"] == [0, 0] and seen["port"] == 8000
    learner_box, reference_box = sandboxes.values()
    assert reference_box.calls == ["build", "service:db", "app", "close"]
    assert learner_box.closed == 1 and reference_box.closed == 1


def test_an_app_failing_most_requests_is_not_measured_twice(tmp_path, monkeypatch):
    """Errors are not load noise: no second run and no fresh reference measurement (a
    mutant that cannot register users once cost its exercise's verify a minute for this)."""
    monkeypatch.setattr(calibration, "folder_digest", lambda folder: "reference-digest")
    exercise = _exercise(RELATIVE)
    with serve() as (_, ref_port, _ref), \
            serve(Behaviour(bug="health-500")) as (_, app_port, app):
        warm, started = _ctx(tmp_path, exercise, app_port, ref_port)
        calibration.save(calibration.Calibration(
            key=calibration.calibration_key(_basis_of(warm)),
            figures={"p95_ms": 2.0, "rps": 900.0, "error_rate": 0.0, "p50_ms": 1.0,
                     "p99_ms": 3.0}))
        [o] = load(warm)
    assert o.status is Status.FAIL and o.measurements["error_rate"] > 0.5
    assert started == [] and "best of 2 runs" not in o.message
