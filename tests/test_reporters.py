"""Golden-output tests of the scorecards a learner reads, and checks of the machine formats.
Regenerate the golden files after a deliberate change with KATA_UPDATE_GOLDEN=1."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from rich.console import Console

from kata.diagnoses import Diagnosis
from kata.report import Phase, Problem, Report, RequirementResult, RunInfo, Score
from kata.reporters import render_json, render_junit, render_markdown
from kata.reporters.terminal import print_scorecard

GOLDEN = Path(__file__).parent / "golden"


def _report(problem: bool = False) -> Report:
    reqs = [
        RequirementResult(id="boot", title="Builds, starts and answers GET /health", grader="boot",
                          points_max=10, points_earned=10, status="pass",
                          message="ready in 0.9 s · image 254 MB"),
        RequirementResult(
            id="create", title="POST /items answers 201 with the item", grader="contract",
            points_max=10, points_earned=0, status="fail",
            message='POST /items {"name":"pen","price":1.5} → expected 201, got 200 {"id":1}',
            hint="Answer 201 (not 200) with the created item.",
            tip="res.status(201).json(row)",
            evidence={"request": 'POST /items {"name":"pen","price":1.5}',
                      "response": '200 {"id":1}',
                      "replay": "curl -i -X POST -H 'content-type: application/json' --data "
                                "'{\"name\":\"pen\",\"price\":1.5}' http://localhost:8000/items"}),
        RequirementResult(id="secret", title="A hidden requirement", grader="contract",
                          points_max=5, points_earned=0, status="fail", hidden=True,
                          message="hidden requirement: details are not shown"),
        RequirementResult(id="load", title="Reads under load", grader="load", points_max=10,
                          points_earned=0, status="skipped", message="not reached"),
    ]
    return Report(
        kata_version="0.1.0", exercise_id="rest-api", exercise_version="1.0.0",
        exercise_title="REST API with PostgreSQL", repo_path="/learner/repo",
        repo_commit="abc123", repo_dirty=not problem, stack="express", learner="ada",
        run=RunInfo(id="r1", started_at=datetime(2026, 11, 25, 12, 0, tzinfo=UTC)),
        seed=1, score=Score(earned=10, max=35, percent=28.6, pass_mark=70, passed=False),
        requirements=reqs,
        phases=[Phase(name="build", duration_s=12.3), Phase(name="contract", duration_s=2.1)],
        problem=Problem(kind="listens-on-localhost",
                        message="the app listens on 127.0.0.1:8000, which nothing outside "
                                "the container can reach",
                        fix="bind to 0.0.0.0", log_tail="INFO: Uvicorn running on 127.0.0.1",
                        detail="the app did not answer within 90 s") if problem else None,
        diagnoses=[] if problem else [Diagnosis(
            id="missing-tables", message="the database has no table 'items'",
            fix="create the schema at startup")],
    )


def _golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("KATA_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{name} changed; see the diff above"


def _terminal(report: Report) -> str:
    console = Console(width=100, record=True, color_system=None, force_terminal=False)
    print_scorecard(console, report)
    return console.export_text()


@pytest.mark.parametrize("problem", [False, True], ids=["graded", "problem"])
def test_terminal_scorecard_golden(problem):
    _golden(f"scorecard-{'problem' if problem else 'graded'}.txt", _terminal(_report(problem)))


@pytest.mark.parametrize("problem", [False, True], ids=["graded", "problem"])
def test_markdown_golden(problem):
    _golden(f"scorecard-{'problem' if problem else 'graded'}.md", render_markdown(_report(problem)))


def test_json_round_trips_and_is_versioned():
    report = _report()
    data = json.loads(render_json(report))
    assert data["schema_version"] == "1.0"
    assert Report.model_validate(data) == report


def test_junit_has_one_case_per_requirement():
    root = ET.fromstring(render_junit(_report()))
    assert root.get("tests") == "4" and root.get("failures") == "2"
    assert root.get("skipped") == "1"
    failed = [c for c in root.iter("testcase") if c.find("failure") is not None]
    assert [c.get("name").split(":")[0] for c in failed] == ["create", "secret"]


def test_a_replay_of_several_steps_and_the_kept_address_print_whole_below_the_card():
    report = _report()
    create = report.requirements[1]
    create.evidence["replay"] = ("curl -i -X POST http://127.0.0.1:32770/items\n"
                                 "curl -i -X GET 'http://127.0.0.1:32770/items?limit=2'\x1b[2J")
    report.notes = ["kept running (run r1): the app answers at 127.0.0.1:32770 on this "
                    "machine; the replays below use it; remove it all with `kata clean`"]
    text = _terminal(report)
    card, below = text.split("╰", 1)
    assert "kept running" not in card  # once, unwrapped, where it can be copied
    lines = below.splitlines()[1:]
    assert lines[0].startswith("kept running (run r1): the app answers at 127.0.0.1:32770")
    assert lines[1:] == ["replay create:", "  curl -i -X POST http://127.0.0.1:32770/items",
                         "  curl -i -X GET 'http://127.0.0.1:32770/items?limit=2'"]


def test_the_tip_of_the_recognised_stack_and_what_was_graded_are_shown():
    text = _terminal(_report())
    assert "hint: Answer 201 (not 200) with the created item." in text
    assert "Express tip: res.status(201).json(row)" in text
    assert "commit abc123 + uncommitted changes · stack Express" in text
    md = render_markdown(_report())
    assert "Express tip: res.status(201).json(row)" in md
    assert "commit abc123 + uncommitted changes" in md
    clean = _report(problem=True)
    assert "uncommitted" not in _terminal(clean) and "commit abc123" in _terminal(clean)
