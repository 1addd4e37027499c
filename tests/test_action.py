"""action.yml: valid against SchemaStore's Action metadata schema (as vendored by
check-jsonschema), and its steps, run as a GitHub runner runs them (tests/_gha.py) with the
variables and files a runner sets, grade a repository: job summary, step outputs,
annotations, the step failing below the pass mark, and reports an instructor can import
into the leaderboard."""

from __future__ import annotations

import copy
import json
import sys
from importlib.resources import files
from pathlib import Path

import pytest
import yaml
from _envprobe import SECRETS, remove_cached_images, write_home, write_repo
from _gha import run_action
from jsonschema.validators import validator_for

from kata.leaderboard import open_store

ROOT = Path(__file__).resolve().parents[1]
# SchemaStore's schema, vendored by check-jsonschema: the tests run without a network.
SCHEMA = json.loads(
    (files("check_jsonschema.builtin_schemas.vendor") / "github-actions.json").read_text())
VALIDATOR = validator_for(SCHEMA)  # the draft its "$schema" names (draft-07)
ACTION = yaml.safe_load((ROOT / "action.yml").read_text())


def errors(doc) -> list[str]:
    return [e.message for e in VALIDATOR(SCHEMA).iter_errors(doc)]


def test_the_schema_is_a_valid_json_schema():
    VALIDATOR.check_schema(SCHEMA)


def test_action_yml_is_valid():
    assert errors(ACTION) == []


def broken(change) -> dict:
    doc = copy.deepcopy(ACTION)
    change(doc)
    return doc


# Edits the official schema rejects. It is that schema that decides, not this list: it
# accepts a composite step with both run and uses, so that case is not here.
@pytest.mark.parametrize("change", [
    lambda d: d.pop("description"),
    lambda d: d["inputs"]["exercise"].pop("description"),
    lambda d: d["inputs"]["path"].update(default=1),
    lambda d: d["outputs"]["score"].pop("value"),  # composite outputs need a value
    lambda d: d["runs"]["steps"][1].pop("shell"),  # composite run steps need a shell
    lambda d: d["runs"].update(using="node99"),
    lambda d: d.update(unknown_key=1),
    lambda d: d["branding"].update(color="pink"),
], ids=["no-description", "input-no-description", "default-not-string", "output-no-value",
        "run-no-shell", "bad-using", "unknown-key", "bad-colour"])
def test_the_schema_rejects_what_github_rejects(change):
    assert errors(broken(change)) != []


def test_inputs_reach_scripts_only_through_env():
    """An input in a script body would be code injection; they go through env: instead."""
    for step in ACTION["runs"]["steps"]:
        assert "inputs." not in step.get("run", ""), step.get("name")


# -- running the steps ----------------------------------------------------------------
@pytest.fixture(scope="module")
def probe(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("action")
    yield write_home(tmp / "home"), write_repo(tmp / "workspace")
    remove_cached_images()


def runner_env(tmp: Path, home: Path, workspace: Path, run_id: str) -> dict[str, str]:
    """What a runner sets for a step (and a job's secrets in env), plus where kata is."""
    import os

    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(tmp / "runner-home"),
        "LANG": "C.UTF-8",
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_REPOSITORY": "ada/env-probe",
        "GITHUB_REPOSITORY_OWNER": "ada",
        "GITHUB_RUN_ID": run_id,
        "GITHUB_RUN_ATTEMPT": "1",
        "GITHUB_RUN_NUMBER": "7",
        "GITHUB_JOB": "grade",
        "GITHUB_WORKFLOW": "kata",
        "GITHUB_SHA": "5" * 40,
        "GITHUB_REF": "refs/heads/main",
        "GITHUB_ACTOR": "ada",
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_ACTION_PATH": str(ROOT),
        "RUNNER_TEMP": str(tmp / "runner-temp"),
        "RUNNER_OS": "Linux",
        **SECRETS,
        "KATA_HOME": str(home),
        "KATA_STATE_DIR": str(tmp / "state"),
        # the env-probe grader checks the app cannot see this path (an earlier report)
        "KATA_PROBE_REPORT": str(tmp / "runner-temp" / "kata-reports" / "kata-report.json"),
    }
    if "DOCKER_HOST" in os.environ:
        env["DOCKER_HOST"] = os.environ["DOCKER_HOST"]
    reports = tmp / "runner-temp" / "kata-reports"
    reports.mkdir(parents=True)
    (reports / "kata-report.json").write_text('{"an": "earlier report"}')
    (tmp / "runner-home").mkdir()
    return env


@pytest.mark.docker
def test_the_action_grades_and_reports(probe, tmp_path):
    home, workspace = probe
    env = runner_env(tmp_path, home, workspace, "4242")
    run = run_action(ROOT, {"exercise": "env-probe"}, env, workspace, tmp_path / "runner-temp")
    assert run.code == 0, run.log
    assert run.skipped == ["actions/setup-python@v5"]
    assert "kata 0.1.0 is already installed" in run.log
    assert "service image redis:7: present" in run.log  # the pull step read the catalog
    reports = tmp_path / "runner-temp" / "kata-reports"
    assert run.outputs == {"score": "80", "max": "100", "percent": "80", "passed": "true",
                           "report": str(reports / "kata-report.json"),
                           "reports-dir": str(reports)}
    report = json.loads((reports / "kata-report.json").read_text())
    assert report["learner"] == "ada"
    ci = report["run"]["ci"]
    assert (ci["repository"], ci["run_id"], ci["run_attempt"], ci["sha"]) == (
        "ada/env-probe", "4242", "1", "5" * 40)
    assert {r["id"]: r["status"] for r in report["requirements"]} == {
        "boot": "pass", "env-isolated": "pass", "report-unreachable": "pass", "teapot": "fail"}
    assert (reports / "kata-junit.xml").is_file() and not (reports / "kata-scorecard.md").exists()

    assert "## kata · env-probe — Environment probe" in run.summary
    assert "**80 / 100 points (80%)** — passed (pass mark 70%)" in run.summary

    assert "::stop-commands::" in run.log  # the learner's text could not issue commands
    [error, notice] = run.annotations
    assert (error.name, error.properties) == ("error", {"title": "kata env-probe: teapot"})
    # the app's text is the message, escaped: its forged command is text, not a command
    assert error.message.startswith("GET /teapot answers 418: GET /teapot → expected 418, "
                                    "got 200 I am 100% a coffee pot\n::error title=forged::")
    assert error.message.endswith("\nHint: Answer 418 I'm a teapot.")
    assert (notice.name, notice.message) == ("notice", "80 / 100 points (80%) — passed")
    for value in SECRETS.values():
        assert value not in run.log and value not in run.summary


@pytest.mark.docker
def test_below_the_pass_mark_the_step_fails(probe, tmp_path):
    home, workspace = probe
    env = runner_env(tmp_path, home, workspace, "4243")
    results = tmp_path / "results.db"
    run = run_action(ROOT, {"exercise": "env-probe", "pass-mark": "90",
                            "reports": "json, junit, markdown", "learner": "Ada L.",
                            "record": str(results)},
                     env, workspace, tmp_path / "runner-temp")
    assert (run.code, run.failed_step) == (1, "Grade"), run.log
    assert run.step_outputs["grade"]["passed"] == "false"
    assert run.outputs["passed"] == "false" and run.outputs["score"] == "80"
    assert "— below the pass mark (pass mark 90%)" in run.summary
    reports = tmp_path / "runner-temp" / "kata-reports"
    assert (reports / "kata-scorecard.md").read_text().startswith("## kata · env-probe")
    report = json.loads((reports / "kata-report.json").read_text())
    assert (report["learner"], report["score"]["pass_mark"]) == ("Ada L.", 90)
    with open_store(results) as s:  # the record input: kata grade --record
        [entry] = s.entries()
    assert (entry.learner, entry.earned, entry.commit) == ("Ada L.", 80, report["run"]["ci"]["sha"])
    assert entry.key.startswith("sha256:")  # the report's own hash: no other can claim it


@pytest.mark.docker  # the Action pulls the service images (docker) before the grade step
def test_an_unknown_report_kind_is_refused(tmp_path):
    """The grade step's own check, before kata runs."""
    home = write_home(tmp_path / "home")
    env = runner_env(tmp_path, home, tmp_path, "1")
    run = run_action(ROOT, {"exercise": "env-probe", "reports": "json,pdf"}, env, tmp_path,
                     tmp_path / "runner-temp")
    assert run.code == 2 and run.failed_step == "Grade"
    [error] = run.annotations
    assert error.message == "unknown report kind: pdf (use json, junit, markdown)"


def test_the_action_grades_against_its_own_exercises(tmp_path):
    """Without KATA_HOME, kata reads exercises/ and graders/ from the Action's checkout."""
    env = runner_env(tmp_path, tmp_path, tmp_path, "1")
    del env["KATA_HOME"]
    run = run_action(ROOT, {"exercise": "no-such-exercise"}, env, tmp_path,
                     tmp_path / "runner-temp")
    assert (run.code, run.failed_step) == (2, "Grade"), run.log
    assert "no exercise named 'no-such-exercise'" in run.log
    assert "rest-api" in run.log  # the known ones: this checkout's catalog
