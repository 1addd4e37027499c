"""Nothing from the runner reaches the learner's containers, and the report kata writes is
out of their reach — proved by grading the env-probe exercise (tests/_envprobe.py) in real
Docker, with GITHUB_TOKEN, ACTIONS_* tokens and a secret in kata's own environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from _envprobe import SECRETS, remove_cached_images, write_home, write_repo

KATA = Path(sys.executable).with_name("kata")


@pytest.mark.docker
def test_runner_secrets_and_report_stay_out_of_the_app(tmp_path):
    home = write_home(tmp_path / "home")
    repo = write_repo(tmp_path / "learner")
    report = tmp_path / "out" / "kata-report.json"
    report.parent.mkdir()
    report.write_text('{"an": "earlier report"}')
    env = {**os.environ, **SECRETS, "KATA_HOME": str(home), "KATA_PROBE_REPORT": str(report),
           "KATA_STATE_DIR": str(tmp_path / "state")}
    env.pop("GITHUB_ACTIONS", None)
    try:
        done = subprocess.run([str(KATA), "grade", "env-probe", str(repo), "--json", str(report)],
                              env=env, capture_output=True, text=True, timeout=600)
    finally:
        remove_cached_images()
    data = json.loads(report.read_text())  # kata's report, not the app's "FORGED"
    status = {r["id"]: (r["status"], r["message"]) for r in data["requirements"]}
    assert data["problem"] is None, done.stdout + done.stderr
    assert status["env-isolated"][0] == "pass", status
    assert status["report-unreachable"][0] == "pass", status
    assert status["teapot"][0] == "fail"  # the control: the probe does report failures
    assert data["score"]["earned"] == 80 and done.returncode == 0, done.stdout + done.stderr
    for value in SECRETS.values():
        assert value not in report.read_text()
    assert "::stop-commands::" not in done.stdout  # outside a workflow: no workflow commands
    assert "::notice" not in done.stdout
