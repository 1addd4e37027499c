"""Verdicts a learner can trust (issue #10 §1–2), on pure logic and the in-memory sandbox:
needs and destructive requirements order the grading; a requirement whose need does not
work is not graded; the app that stops answering after a requirement's tests is said to
have done so on that row and restarted; every failing check is kept; a grader's own
exception is kata's error."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from kata.catalog.models import Exercise
from kata.errors import NeverReady
from kata.outcomes import Outcome, Status
from kata.report import Report, RequirementResult, RunInfo, Score
from kata.reporters.terminal import render_scorecard
from kata.sandbox.fake import FakeApp
from kata.scoring import apply_needs, score
from kata.stages.contract import contract
from kata.stages.registry import StageContext


def _exercise(*reqs: dict) -> Exercise:
    return Exercise.model_validate({
        "id": "demo", "version": "1", "week": 1, "title": "Demo", "pass_mark": 50,
        "requirements": [{"title": r["id"], "points": 10, "grader": "contract", **r}
                         for r in reqs],
    })


def test_needs_must_exist_and_not_cycle():
    with pytest.raises(ValidationError, match="needs \\['ghost'\\], which do not exist"):
        _exercise({"id": "a", "needs": ["ghost"]})
    with pytest.raises(ValidationError, match="cycle: a → b → a"):
        _exercise({"id": "a", "needs": ["b"]}, {"id": "b", "needs": ["a"]})


def test_grading_order_needs_first_destructive_last():
    ex = _exercise({"id": "wreck", "destructive": True}, {"id": "late", "needs": ["base"]},
                   {"id": "base"}, {"id": "plain"})
    assert [r.id for r in ex.grading_order()] == ["base", "late", "plain", "wreck"]
    assert ex.needed_by({"late"}) == {"late", "base"}


def test_a_requirement_whose_need_fails_is_not_graded():
    ex = _exercise({"id": "base"}, {"id": "mid", "needs": ["base"]},
                   {"id": "top", "needs": ["mid"]}, {"id": "edge", "needs": ["base"]})
    outcomes = {
        # base fails an edge case but its basic form works: what needs it is graded
        "base": Outcome("base", Status.FAIL, "binary values", basics_passed=True),
        "mid": Outcome("mid", Status.FAIL, "mid broke", evidence={"request": "x"},
                       basics_passed=False),
        "top": Outcome("top", Status.FAIL, "knock-on"),
        "edge": Outcome("edge", Status.PASS),
    }
    out = apply_needs(ex, outcomes)
    assert out["edge"].status is Status.PASS
    assert out["mid"].status is Status.FAIL
    assert out["top"].status is Status.SKIPPED
    assert out["top"].message == "not graded: needs mid, which fails"
    assert out["top"].evidence == {} and out["top"].failures == []
    assert score(ex, out).earned == 10
    booted = {r: Outcome(r, Status.SKIPPED, "not graded: the app exited") for r in outcomes}
    assert apply_needs(ex, booted) == booted  # the boot failure is the reason, kept as is


def test_only_scores_the_selected_requirements():
    ex = _exercise({"id": "a"}, {"id": "b"})
    s = score(ex, {"a": Outcome("a", Status.PASS), "b": Outcome("b", Status.FAIL)}, {"a"})
    assert (s.earned, s.max, s.passed) == (10, 10, True)


GRADER = '''
from kata.testing import requirement


@requirement("first", basic=True)
def test_basic(app):
    pass


@requirement("first")
def test_edge(app):
    raise AssertionError("edge case 1")


@requirement("wedges")
def test_wedges(app):
    app.handle.wedged = True  # the fake app stops answering (read by the ready stub)


@requirement("wedges")
def test_wedges_more(app):
    pass


@requirement("stalls")
def test_stalls(app):
    app.handle.wedged = True


@requirement("after")
def test_after(app):
    assert not getattr(app.handle, "wedged", False), "kata should have restarted the app"


@requirement("needs-broken")
def test_needs_broken(app):
    raise AssertionError("should not run: its need fails")


@requirement("broken")
def test_broken(app):
    raise AssertionError("broken 1")


@requirement("broken")
def test_broken_2(app):
    raise AssertionError("broken 2")


@requirement("bug")
def test_grader_bug(app):
    return {}["id"]
'''


def test_contract_stage_orders_checks_restarts_and_keeps_every_failure(tmp_path: Path):
    (tmp_path / "test_demo.py").write_text(GRADER)
    ex = _exercise({"id": "wedges", "destructive": True}, {"id": "first"},
                   {"id": "broken"}, {"id": "needs-broken", "needs": ["broken"]},
                   {"id": "stalls"}, {"id": "after", "needs": ["first"]}, {"id": "bug"})
    app = FakeApp(port=8000)

    def ready(timeout_s: float | None = None) -> None:
        if getattr(app, "wedged", False):
            raise NeverReady("the app did not answer within 5 s", "")

    real_restart = app.restart

    def restart() -> None:
        app.wedged = False
        real_restart()

    app.restart = restart
    ctx = StageContext(name="contract", exercise=ex, grader_dir=tmp_path,
                       requirements=ex.grading_order(), app=app, services={}, seed=1,
                       ready=ready)
    got = {o.requirement: o for o in contract(ctx)}
    assert got["first"].status is Status.FAIL and got["first"].basics_passed is True
    assert got["after"].status is Status.PASS  # graded: first's basic form works
    assert got["needs-broken"].status is Status.SKIPPED
    assert got["needs-broken"].message == "not graded: needs broken, which fails"
    assert [f["message"] for f in got["broken"].failures] == ["broken 1", "broken 2"]
    assert got["broken"].failures[0]["check"] == "test_broken"
    stalled = got["stalls"]
    assert stalled.status is Status.FAIL
    assert stalled.message.startswith("the app stopped answering after these tests"), stalled
    assert stalled.message.endswith("kata restarted it for the next requirement")
    wedged = got["wedges"]  # destructive, so graded last: no requirement after it to restart for
    assert wedged.status is Status.FAIL
    assert wedged.message.startswith("the app stopped answering after these tests"), wedged
    assert "restarted" not in wedged.message
    assert wedged.failures[0]["check"] == "(after its tests)"  # shown first, like the message
    assert app.restarts == 1  # once, after "stalls"
    bug = got["bug"]
    assert bug.status is Status.ERROR and bug.kata_fault
    assert "KeyError" in bug.message and "KeyError" in bug.failures[0]["traceback"]


def test_terminal_shows_three_failures_and_says_where_the_rest_are():
    failures = [{"check": f"test_{n}", "message": f"check {n} failed"} for n in range(5)]
    rows = [
        RequirementResult(id="many", title="Many checks", grader="contract", points_max=10,
                          points_earned=0, status="fail", message="check 0 failed",
                          hint="a hint", failures=failures),
        RequirementResult(id="skipped", title="Not graded", grader="contract", points_max=10,
                          points_earned=0, status="skipped",
                          message="not graded: needs many, which fails", hint="no hint"),
    ]
    report = Report(kata_version="0", exercise_id="demo", exercise_version="1",
                    exercise_title="Demo", repo_path=".", run=RunInfo(id="r",
                    started_at="2026-01-01T00:00:00Z"), seed=1,
                    score=Score(earned=0, max=20, percent=0, pass_mark=50, passed=False),
                    requirements=rows)
    from rich.console import Console

    console = Console(width=200, record=True)
    console.print(render_scorecard(report))
    text = console.export_text()
    assert all(f"check {n} failed" in text for n in range(3))
    assert "check 3 failed" not in text and "(+" not in text
    assert "… 2 more failing checks: every one is in the JSON report" in text
    line = next(ln for ln in text.splitlines() if "skipped" in ln)
    assert "not graded: needs many, which fails" in line and "no hint" not in text
