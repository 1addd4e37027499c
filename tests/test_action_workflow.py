"""The learner's workflow: `kata init` writes it, docs/github-action.md shows the same text,
it is valid against SchemaStore's workflow schema (as vendored by check-jsonschema), and it
fits the Action (its inputs, where the reports go)."""

from __future__ import annotations

import json
import re
from importlib.resources import files
from pathlib import Path

import yaml
from jsonschema.validators import validator_for
from ruamel.yaml import YAML
from typer.testing import CliRunner

from kata.cli.main import app
from kata.github import DEFAULT_ACTION, workflow

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "github-action.md").read_text()
ACTION = yaml.safe_load((ROOT / "action.yml").read_text())
WORKFLOW_SCHEMA = json.loads(
    (files("check_jsonschema.builtin_schemas.vendor") / "github-workflows.json").read_text())
runner = CliRunner()


def kata(*args: str):
    return runner.invoke(app, list(args), env={"KATA_ACTION": ""})


def test_init_writes_the_workflow_and_kata_toml(tmp_path):
    result = kata("init", "rest-api", str(tmp_path), "--action", "my-org/kata@v1")
    assert result.exit_code == 0, result.output
    written = (tmp_path / ".github" / "workflows" / "kata.yml").read_text()
    assert written == workflow("rest-api", "my-org/kata@v1")
    assert (tmp_path / "kata.toml").read_text() == 'exercise = "rest-api"\n'
    steps = yaml.safe_load(written)["jobs"]["grade"]["steps"]
    kata_step = next(s for s in steps if s.get("id") == "kata")
    assert kata_step["uses"] == "my-org/kata@v1"
    assert set(kata_step["with"]) <= set(ACTION["inputs"])
    assert kata_step["with"]["exercise"] == "rest-api"


def test_the_workflow_is_valid_against_the_official_schema():
    # Parsed as YAML 1.2, as GitHub and check-jsonschema (ruamel.yaml) parse it: PyYAML's
    # YAML 1.1 reads the key `on:` as the boolean true, which the schema rightly refuses.
    doc = YAML(typ="safe", pure=True).load(workflow("rest-api", DEFAULT_ACTION))
    assert "on" in doc
    validator = validator_for(WORKFLOW_SCHEMA)
    validator.check_schema(WORKFLOW_SCHEMA)
    assert [e.message for e in validator(WORKFLOW_SCHEMA).iter_errors(doc)] == []


def test_init_refuses_to_overwrite_without_force(tmp_path):
    assert kata("init", "rest-api", str(tmp_path)).exit_code == 0
    again = kata("init", "rest-api", str(tmp_path))
    assert again.exit_code == 2 and "already exists" in again.output
    assert kata("init", "rest-api", str(tmp_path), "--force").exit_code == 0


def test_init_reads_the_exercise_from_kata_toml_and_checks_it(tmp_path, monkeypatch):
    (tmp_path / "kata.toml").write_text('exercise = "rest-api"\n')
    monkeypatch.chdir(tmp_path)
    assert kata("init").exit_code == 0
    assert "exercise: rest-api" in (tmp_path / ".github/workflows/kata.yml").read_text()
    bad = kata("init", "no-such-exercise", str(tmp_path / "x"))
    assert bad.exit_code == 2
    (tmp_path / "x").mkdir()
    bad = kata("init", "no-such-exercise", str(tmp_path / "x"))
    assert bad.exit_code == 2 and "no exercise named" in bad.output
    assert kata("init", "rest-api", str(tmp_path / "x"), "--action", "nope").exit_code == 2


def test_the_docs_show_the_workflow_init_writes():
    blocks = re.findall(r"```yaml\n(.*?)```", DOC, re.S)
    assert workflow("rest-api", DEFAULT_ACTION) in blocks


def test_the_docs_list_every_input_and_output():
    for name in [*ACTION["inputs"], *ACTION["outputs"]]:
        assert f"| `{name}` |" in DOC, name


def test_the_workflow_uploads_where_the_action_writes():
    steps = yaml.safe_load(workflow("rest-api"))["jobs"]["grade"]["steps"]
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact"))
    assert upload["with"]["path"] == "${{ runner.temp }}/kata-reports/"
    assert upload["if"] == "always()"
    grade = next(s for s in ACTION["runs"]["steps"] if s.get("id") == "grade")
    assert 'dir="${INPUT_REPORTS_DIR:-$RUNNER_TEMP/kata-reports}"' in grade["run"]
