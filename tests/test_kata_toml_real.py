"""kata.toml in a real grading: a monorepo of two projects not written for kata, graded
unedited with `kata grade week1` (the real CLI, engine and Docker). One grading proves the
[exercises.<id>] tables (each from its own folder, the week summed) and, on the rest-api
project, `port`, `command`, `health` and an `env` template over the db service's facts;
on the kv-store project (just `FROM redis:7`), `port` and a `command` passed through the
image's own entrypoint."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REPO = ROOT / "tests" / "fixtures" / "repos" / "adapted-monorepo"
KATA = ROOT / ".venv" / "bin" / "kata"


@pytest.mark.docker
@pytest.mark.slow
def test_a_monorepo_is_graded_unedited_through_kata_toml(tmp_path):
    started = time.monotonic()
    done = subprocess.run(
        [str(KATA), "grade", "week1", str(REPO), "--only", "boot", "--only", "ping-echo",
         "--json", str(tmp_path / "r.json"), "--no-history"],
        capture_output=True, text=True, timeout=600)
    took = time.monotonic() - started
    said = done.stdout + done.stderr
    # --only judges the selected requirements only: both pass, so the week passes (0),
    # never a problem (3) or usage (2)
    assert done.returncode == 0, said
    assert "week1 total:" in done.stdout, said
    api = json.loads((tmp_path / "r.rest-api.json").read_text())
    kv = json.loads((tmp_path / "r.kv-store.json").read_text())
    assert not (tmp_path / "r.todo-cli.json").exists()  # not in kata.toml: not graded
    for report, rid in ((api, "boot"), (kv, "ping-echo")):
        assert report["problem"] is None, said
        status = {r["id"]: r["status"] for r in report["requirements"]}
        assert status[rid] == "pass", (rid, report["requirements"], said)
    # each from its own folder; command (--serve) ran and the env template reached it with
    # the service's real host and port; /healthz answers 200 only when PostgreSQL answers
    assert "serving on 0.0.0.0:9090, database db:5432" in api["container_log_tail"], api
    assert api["repo_path"] == kv["repo_path"] == str(REPO)
    print(f"monorepo graded in {took:.1f} s")
