"""kata.github: what `kata grade` does on a GitHub runner — run identity, job summary, step
outputs, annotations — checked through a stand-in for the runner's parsers (tests/_gha.py)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from _gha import parse_commands, parse_output_file
from _reports import make_report

from kata import github

RUNNER = {
    "GITHUB_ACTIONS": "true",
    "GITHUB_REPOSITORY": "ada/rest-api",
    "GITHUB_REPOSITORY_OWNER": "ada",
    "GITHUB_RUN_ID": "9001",
    "GITHUB_RUN_ATTEMPT": "2",
    "GITHUB_JOB": "grade",
    "GITHUB_SHA": "0123abcd",
    "GITHUB_SERVER_URL": "https://github.com",
    "GITHUB_TOKEN": "ghs_secret",
}


def test_outside_actions_nothing_changes():
    env = {k: v for k, v in RUNNER.items() if k != "GITHUB_ACTIONS"}
    assert github.ci_identity(env) == {}
    assert github.Actions.from_env(env) is None
    assert github.default_learner(env) is None
    assert github.Actions.from_env({**env, "GITHUB_ACTIONS": "false"}) is None


def test_ci_identity_names_the_run_and_no_secret():
    ci = github.ci_identity(RUNNER)
    assert ci["provider"] == "github"
    assert (ci["repository"], ci["run_id"], ci["run_attempt"], ci["sha"], ci["job"]) == (
        "ada/rest-api", "9001", "2", "0123abcd", "grade")
    assert ci["run_url"] == "https://github.com/ada/rest-api/actions/runs/9001"
    assert "ghs_secret" not in str(ci)
    assert github.default_learner(RUNNER) == "ada"


@pytest.mark.parametrize("text", [
    "plain", "100% done", "two\nlines", "cr\r\nlf", "%0A is not a newline", "a::b, c:d",
    "::error::injected", "%25%",
])
def test_escaping_round_trips_through_the_runner_parser(text):
    line = github.command("error", text, title=text)
    assert "\n" not in line and "\r" not in line
    [cmd] = parse_commands(line)
    assert cmd.name == "error" and cmd.message == text and cmd.properties == {"title": text}


def test_annotations_one_error_per_failed_requirement():
    report = make_report(earned=60, failed=(("create", "POST /items → expected 201, got 500\n"
                                             "::warning::from the app, 100% sure"),
                                            ("list", "wrong order")))
    cmds = parse_commands("\n".join(github.annotations(report)))
    assert [c.name for c in cmds] == ["error", "error"]
    assert [c.properties["title"] for c in cmds] == ["kata rest-api: create", "kata rest-api: list"]
    assert cmds[0].message == ("create works: POST /items → expected 201, got 500\n"
                               "::warning::from the app, 100% sure\nHint: fix create")


def test_annotations_for_a_repository_that_could_not_be_graded():
    from kata.report import Problem

    report = make_report(earned=0)
    report.problem = Problem(kind="build-failed", message="docker build failed", fix="fix it")
    [cmd] = parse_commands("\n".join(github.annotations(report)))
    assert cmd.properties["title"] == "kata rest-api: could not grade"
    assert cmd.message == "docker build failed\nFix: fix it"


def test_publish_writes_summary_outputs_and_annotations(tmp_path):
    summary, outputs = tmp_path / "summary.md", tmp_path / "output"
    summary.write_text("earlier step\n")
    outputs.write_text("earlier=1\n")
    env = {**RUNNER, "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_OUTPUT": str(outputs)}
    report = make_report(earned=60, pass_mark=70, failed=(("create", "got 500"),))
    actions = github.Actions.from_env(env)
    stream = io.StringIO()
    actions.pause(stream)
    stream.write("::error title=forged::from the learner's app\n")
    actions.publish([report], [tmp_path / "r.json"], stream)

    cmds = parse_commands(stream.getvalue())
    assert [(c.name, c.properties.get("title")) for c in cmds] == [
        ("error", "kata rest-api: create"), ("notice", "kata rest-api")]
    assert cmds[1].message == "60 / 100 points (60%) — not passed"
    text = summary.read_text()
    assert text.startswith("earlier step\n## kata · rest-api")
    assert "**60 / 100 points (60%)** — below the pass mark (pass mark 70%)" in text
    assert parse_output_file(outputs.read_text()) == {
        "earlier": "1", "score": "60", "max": "100", "percent": "60", "passed": "false",
        "report": str((tmp_path / "r.json").resolve())}


def test_the_forged_command_would_be_read_without_pause():
    """The control for the test above: the stand-in parser does read the learner's line."""
    cmds = parse_commands("learner text\n::error title=forged::from the learner's app\n")
    assert [c.properties["title"] for c in cmds] == ["forged"]


def test_outputs_of_a_week_add_up_and_list_every_report(tmp_path):
    a = make_report("rest-api", earned=90)
    b = make_report("todo-cli", earned=50)
    values = github.outputs([a, b], [tmp_path / "r.rest-api.json", tmp_path / "r.todo-cli.json"])
    assert (values["score"], values["max"], values["percent"], values["passed"]) == (
        "140", "200", "70", "false")
    text = github.format_outputs(values)
    assert parse_output_file(text)["report"].splitlines() == [
        str(tmp_path / "r.rest-api.json"), str(tmp_path / "r.todo-cli.json")]
    assert "**Total: 140 / 200 points (70%) — not passed**" in github.summary([a, b])


def test_workflow_template_names_the_exercise_and_action():
    text = github.workflow("rest-api", "my-org/kata@v1")
    assert "uses: my-org/kata@v1" in text and "exercise: rest-api" in text
    assert "__" not in text


def test_service_images_of_an_exercise():
    from kata.catalog import load_catalog

    ex = load_catalog().get("rest-api")
    assert github.service_images("rest-api") == sorted({s.image for s in ex.services.values()})


def test_path_outputs_are_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    values = github.outputs([make_report()], [Path("kata-report.json")])
    assert values["report"] == str(tmp_path / "kata-report.json")


def test_an_unwritable_runner_file_is_a_kata_error(tmp_path):
    from kata.errors import KataError

    env = {**RUNNER, "GITHUB_STEP_SUMMARY": str(tmp_path / "no" / "such" / "file")}
    with pytest.raises(KataError, match="cannot write the runner's file"):
        github.Actions.from_env(env).publish([make_report()], [], io.StringIO())


def test_kata_s_own_service_images_have_a_build_folder_and_published_ones_none():
    """The Action pulls a published image and builds kata's own (no registry has it)."""
    from kata.localimages import own_image_folder

    assert own_image_folder("postgres:15") is None
    folder = own_image_folder("kata/oidc-provider:8")
    assert folder is not None and (folder / "Dockerfile").is_file()
    assert own_image_folder("kata/oidc-provider:8.8.1") == folder  # an alias of it
    upstream = own_image_folder("kata/slow-upstream:1")
    assert upstream is not None and (upstream / "Dockerfile").is_file()
    search = own_image_folder("kata/search:1")
    assert search is not None and (search / "Dockerfile").is_file() and search != upstream
    kafka = own_image_folder("kata/kafka:1")
    assert kafka is not None and (kafka / "Dockerfile").is_file() and kafka != search


def test_a_cohort_job_names_the_repository_it_graded_and_the_leaderboard_shows_it():
    """In a cohort's matrix job GITHUB_REPOSITORY and GITHUB_SHA are the instructor's; the
    Action's `repository` input names the learner's, and the entry takes the graded commit."""
    from kata.leaderboard.entry import entry_from_report

    env = {**RUNNER, github.GRADED_REPOSITORY: "grace/rest-api"}
    ci = github.ci_identity(env)
    assert ci["graded_repository"] == "grace/rest-api" and ci["repository"] == "ada/rest-api"
    report = make_report()
    report = report.model_copy(update={"repo_commit": "feedbeef", "run": report.run.model_copy(
        update={"ci": ci})})
    entry = entry_from_report(report, week=1)
    assert (entry.source, entry.commit) == ("grace/rest-api", "feedbeef")
    own = report.model_copy(update={"run": report.run.model_copy(
        update={"ci": github.ci_identity(RUNNER)})})
    assert (entry_from_report(own, week=1).source, entry_from_report(own, week=1).commit) == (
        "ada/rest-api", "0123abcd")
    for bad in ["", "not a repo", "a/b/c", "../x", "ada/rest-api"]:  # the last: its own
        assert "graded_repository" not in github.ci_identity({**RUNNER,
                                                               github.GRADED_REPOSITORY: bad})
