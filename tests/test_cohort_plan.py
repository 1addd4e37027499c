"""`kata cohort-plan`: the GitHub Actions workflow that grades a roster — valid against the
official workflow schema, chunked at GitHub's 256-job matrix limit, no roster text inside
a script, a roster error is one message with its line, and the leaderboard job's import
step, run as the runner runs it, turns reports made by real grades into a leaderboard."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib.resources import files
from pathlib import Path

import pytest
from jsonschema.validators import validator_for
from ruamel.yaml import YAML
from typer.testing import CliRunner

from kata.cli.main import app
from kata.plan import actions
from kata.plan.roster import Learner, read_roster

ROOT = Path(__file__).resolve().parents[1]
DIAG = ROOT / "tests" / "fixtures" / "diagnoses"
KATA = Path(sys.executable).with_name("kata")
WORKFLOW_SCHEMA = json.loads(
    (files("check_jsonschema.builtin_schemas.vendor") / "github-workflows.json").read_text())
runner = CliRunner()


def _roster(tmp_path: Path, n: int) -> Path:
    path = tmp_path / "roster.csv"
    lines = ["learner,repository,ref"] + [f"l{i:04d},org-{i}/api,main" for i in range(n)]
    path.write_text("\n".join(lines) + "\n")
    return path


def _load(text: str) -> dict:
    return YAML(typ="safe", pure=True).load(text)  # YAML 1.2, as GitHub reads it


def test_a_roster_of_600_is_three_matrix_jobs_and_a_valid_workflow(tmp_path):
    out = tmp_path / "kata-cohort.yml"
    done = runner.invoke(app, ["cohort-plan", "rest-api", str(_roster(tmp_path, 600)), "-o",
                               str(out), "--action", "my-org/kata@v1", "--max-parallel", "8"])
    assert done.exit_code == 0, done.output
    doc = _load(out.read_text())
    validator = validator_for(WORKFLOW_SCHEMA)
    assert [e.message for e in validator(WORKFLOW_SCHEMA).iter_errors(doc)] == []
    grade_jobs = [j for j in doc["jobs"] if j.startswith("grade-")]
    sizes = [len(doc["jobs"][j]["strategy"]["matrix"]["include"]) for j in grade_jobs]
    assert sizes == [256, 256, 88]
    assert {doc["jobs"][j]["strategy"]["max-parallel"] for j in grade_jobs} == {8}
    learners = [x["learner"] for j in grade_jobs for x in doc["jobs"][j]["strategy"]["matrix"]
                ["include"]]
    assert learners == [f"l{i:04d}" for i in range(600)]  # each once, in roster order
    assert doc["jobs"]["leaderboard"]["needs"] == grade_jobs
    grade = next(s for s in doc["jobs"]["grade-1"]["steps"] if s.get("uses") == "my-org/kata@v1")
    assert set(grade["with"]) <= set(_load((ROOT / "action.yml").read_text())["inputs"])


def test_no_roster_text_reaches_a_script(tmp_path):
    """Roster values go through `with:` and the matrix only; the scripts are kata's own."""
    learners = [Learner(name="x$(id)", repository="a/b", ref="main")]  # as if unchecked
    doc = _load(actions.workflow("rest-api", learners, "my-org/kata@v1"))
    scripts = [s["run"] for job in doc["jobs"].values() for s in job["steps"] if "run" in s]
    assert scripts == [actions.INSTALL, actions.IMPORT]


@pytest.mark.parametrize("body,said", [
    ("name,repo\nada,a/b\n", "first line must be the header"),
    ("learner,repository\nada,a/b\nAda,c/d\n", "line 3: learner 'Ada' is already on line 2"),
    ("learner,repository\nada;rm -rf,a/b\n", "line 2: learner 'ada;rm -rf' is not a name"),
    ("learner,repository\nada,https://github.com/a/b\n", "is not owner/name"),
    ("learner,repository,ref\nada,a/b,../../x\n", "is not a branch, tag or commit"),
    ("learner,repository\n", "names no learner"),
])
def test_a_roster_error_is_one_message_with_its_line(tmp_path, body, said):
    path = tmp_path / "roster.csv"
    path.write_text(body)
    done = runner.invoke(app, ["cohort-plan", "rest-api", str(path), "-o",
                               str(tmp_path / "w.yml"), "--action", "my-org/kata@v1"])
    assert done.exit_code == 2, done.output
    assert said in " ".join(done.output.split()), done.output
    assert "Traceback" not in done.output and not (tmp_path / "w.yml").exists()


def test_the_roster_reads_refs_and_blank_lines(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("\ufefflearner,repository,ref\nada,ada-l/api,v1.2\n\nalan,at/x\n")
    assert read_roster(path) == [Learner(name="ada", repository="ada-l/api", ref="v1.2"),
                                 Learner(name="alan", repository="at/x", ref="")]


@pytest.mark.docker
def test_the_import_step_makes_the_leaderboard_from_real_reports(tmp_path):
    """Two learners graded for real (as each matrix job's Action does), their reports laid
    out as download-artifact leaves them, one more artefact forged; the import step's own
    script, run with bash as the runner runs it, ranks the two and refuses the forgery."""
    work = tmp_path / "work"
    work.mkdir()
    (work / "kata").symlink_to(DIAG / "home")  # the checked-out kata: the diag catalog here
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    for learner, fixture in [("ann", "missing-tables"), ("bob", "app-exited")]:
        folder = work / "reports" / f"kata-report-{learner}"
        folder.mkdir(parents=True)
        done = subprocess.run(
            [str(KATA), "grade", "diag", str(DIAG / fixture), "--learner", learner,
             "--json", str(folder / "kata-report.json"), "--no-history"],
            capture_output=True, text=True, timeout=300,
            env={**env, "KATA_HOME": str(DIAG / "home")})
        assert (folder / "kata-report.json").is_file(), done.stderr[-2000:]
    forged = json.loads((work / "reports" / "kata-report-ann" / "kata-report.json").read_text())
    forged["learner"], forged["score"]["earned"] = "eve", 999
    (work / "reports" / "kata-report-eve").mkdir()
    (work / "reports" / "kata-report-eve" / "kata-report.json").write_text(json.dumps(forged))
    summary = tmp_path / "summary.md"
    try:
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", actions.IMPORT],
            cwd=work, capture_output=True, text=True, timeout=120,
            env={**env, "GITHUB_STEP_SUMMARY": str(summary),
                 "PATH": f"{KATA.parent}{os.pathsep}{env['PATH']}"})
    finally:  # conftest checks every report a test leaves; this one is forged on purpose
        (work / "reports" / "kata-report-eve" / "kata-report.json").unlink()
    assert done.returncode == 0, done.stdout + done.stderr
    assert "kata-report-eve" in done.stdout + done.stderr  # refused, with the reason
    board = summary.read_text()
    assert board.index("ann") < board.index("bob") and "eve" not in board, board
    assert (work / "board.html").is_file() and (work / "cohort.db").is_file()


# -- Kubernetes ---------------------------------------------------------------------------
def _k8s(tmp_path: Path, n: int = 3) -> tuple[list[dict], list[dict]]:
    out = tmp_path / "cohort.yaml"
    done = runner.invoke(app, ["cohort-plan", "rest-api", str(_roster(tmp_path, n)),
                               "--target", "kubernetes", "-o", str(out), "--max-parallel", "2"])
    assert done.exit_code == 0, done.output
    assert "kubectl apply" in done.output
    read = YAML(typ="safe", pure=True)
    return (list(read.load_all(out.read_text())),
            list(read.load_all((tmp_path / "cohort-leaderboard.yaml").read_text())))


def test_the_kubernetes_plan_is_valid_against_the_kubernetes_schemas(tmp_path):
    import kubernetes_validate
    from kubernetes_validate.utils import ValidationError

    grading, collecting = _k8s(tmp_path, 3)
    for doc in grading + collecting:
        kubernetes_validate.validate(doc, "1.30.0", strict=True)  # raises on any finding
    job = next(d for d in grading if d["kind"] == "Job")
    assert job["spec"]["completionMode"] == "Indexed"
    assert (job["spec"]["completions"], job["spec"]["parallelism"]) == (3, 2)
    # the schemas are really read: a misspelt field, or a sidecar before 1.29, is refused
    typo = json.loads(json.dumps(job))
    typo["spec"]["parallelizm"] = typo["spec"].pop("parallelism")
    with pytest.raises(ValidationError):
        kubernetes_validate.validate(typo, "1.30.0", strict=True)
    with pytest.raises(ValidationError):
        kubernetes_validate.validate(job, "1.27.0", strict=True)


def test_each_index_grades_its_own_learner(tmp_path):
    """The pod's script, run with bash for index 1, fetches and grades the roster's second
    learner. git, docker and kata are stand-ins that log their arguments: this checks the
    script's own logic (which line, which words), not grading."""
    from kata.plan import kubernetes

    grading, _ = _k8s(tmp_path, 3)
    roster = next(d for d in grading if d["kind"] == "ConfigMap")["data"]["learners.tsv"]
    (tmp_path / "learners.tsv").write_text(roster)
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    for tool in ("git", "docker", "kata"):
        (bin_ / tool).write_text(f'#!/bin/sh\necho "{tool} $*" >> "{tmp_path}/calls"\n'
                                 + ('touch "$REPORTS/l0001.json"\n' if tool == "kata" else ""))
        (bin_ / tool).chmod(0o755)
    env = {"PATH": f"{bin_}{os.pathsep}{os.environ['PATH']}", "JOB_COMPLETION_INDEX": "1",
           "ROSTER": str(tmp_path / "learners.tsv"), "REPORTS": str(tmp_path),
           "WORKDIR": str(tmp_path / "w"), "EXERCISE": "rest-api"}
    done = subprocess.run(["sh", "-c", kubernetes.GRADE], env=env, capture_output=True,
                          text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    calls = (tmp_path / "calls").read_text().splitlines()
    assert f"git -C {tmp_path}/w/learner fetch -q --depth 1 https://github.com/org-1/api main" \
        in calls, calls
    assert (f"kata grade rest-api {tmp_path}/w/learner --learner l0001 --json "
            f"{tmp_path}/l0001.json --no-history") in calls, calls
    beyond = subprocess.run(["sh", "-c", kubernetes.GRADE],
                            env={**env, "JOB_COMPLETION_INDEX": "3"}, capture_output=True,
                            text=True, timeout=30)
    assert beyond.returncode == 2 and "no learner at index 3" in beyond.stderr
