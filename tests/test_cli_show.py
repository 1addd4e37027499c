"""`kata show`: where the contract file is, and `--contract` prints it exactly."""

from __future__ import annotations

from typer.testing import CliRunner

from kata.catalog import load_catalog
from kata.cli.main import app


def test_show_names_the_contract_file_and_prints_it():
    ex = load_catalog().get("rest-api")
    contract = ex.root / "openapi.yaml"
    shown = CliRunner().invoke(app, ["show", "rest-api"], terminal_width=300)
    assert shown.exit_code == 0
    assert f"Contract file: {contract}" in shown.output
    printed = CliRunner().invoke(app, ["show", "rest-api", "--contract"])
    assert printed.exit_code == 0
    assert printed.output == contract.read_text(encoding="utf-8")


def test_show_contract_of_an_exercise_without_one_is_a_usage_error():
    result = CliRunner().invoke(app, ["show", "todo-cli", "--contract"])
    assert result.exit_code == 2
    assert "todo-cli has no contract file" in result.output
    assert "Contract file" not in CliRunner().invoke(app, ["show", "todo-cli"]).output
