"""A grader's bug is kata's, never the learner's: graded for real against a catalog whose
graders are broken on purpose (tests/fixtures/broken-graders/home, used as KATA_HOME)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.docker, pytest.mark.slow]

HERE = Path(__file__).parent / "fixtures" / "broken-graders"
KATA = Path(sys.executable).with_name("kata")


def kata(*args: str, tmp: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "KATA_HOME": str(HERE / "home"), "COLUMNS": "200"}
    return subprocess.run([str(KATA), *args], env=env, text=True,
                          capture_output=True, timeout=300, cwd=tmp)


def test_a_grader_that_raises_is_katas_error_exit_4(tmp_path: Path):
    report = tmp_path / "report.json"
    done = kata("grade", "grader-raises", str(HERE / "app"), "--json", str(report),
                "--no-history", tmp=tmp_path)
    assert done.returncode == 4, done.stdout + done.stderr
    assert "kata's bug" in done.stderr and "grader-raises/bug" in done.stderr, done.stderr
    rows = {r["id"]: r for r in json.loads(report.read_text())["requirements"]}
    assert rows["answers"]["status"] == "pass"  # the sound check still counts as it is
    bug = rows["bug"]
    assert bug["status"] == "error" and bug["kata_fault"] is True, bug
    assert "KeyError" in bug["message"] and "not in your code" in bug["message"], bug
    assert bug["hint"] == ""  # nothing for the learner to fix
    assert "test_raises.py" in bug["failures"][0]["traceback"], bug["failures"]


def test_a_grader_module_that_cannot_import_is_exit_4_with_pytests_error(tmp_path: Path):
    done = kata("grade", "grader-unimportable", str(HERE / "app"), "--no-history",
                tmp=tmp_path)
    out = done.stdout + done.stderr
    assert done.returncode == 4, out
    assert "could not be loaded" in out and "a bug in kata" in out, out
    assert "test_syntax_error.py" in out and "SyntaxError" in out, out  # pytest's own report
    assert "interrupted" not in out.lower(), out
