"""`kata cohort` grades one folder per learner with the real engine and records them all."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures" / "diagnoses"
KATA = Path(sys.executable).with_name("kata")


@pytest.mark.docker
def test_cohort_grades_ranks_and_records(tmp_path):
    env = {**os.environ, "KATA_HOME": str(FIXTURES / "home"), "COLUMNS": "160"}
    db = tmp_path / "cohort.db"
    done = subprocess.run(
        [str(KATA), "cohort", "diag", str(FIXTURES / "missing-tables"),
         str(FIXTURES / "app-exited"), "--record", str(db), "--reports", str(tmp_path / "r")],
        capture_output=True, text=True, env=env, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    lines = {ln.split()[0]: ln for ln in done.stdout.splitlines() if ln.strip()}
    assert "1/2" in lines["missing-tables"] and "missing: home" in lines["missing-tables"]
    assert "0/2" in lines["app-exited"] and "could not grade" in lines["app-exited"]
    assert sorted(p.name for p in (tmp_path / "r").iterdir()) == [
        "app-exited.diag.json", "missing-tables.diag.json"]
    board = subprocess.run([str(KATA), "leaderboard", "--db", str(db), "-f", "json"],
                           capture_output=True, text=True, env=env, timeout=60)
    assert board.returncode == 0, board.stderr
    assert board.stdout.index("missing-tables") < board.stdout.index("app-exited")
