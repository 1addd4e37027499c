"""`kata grade week1 <monorepo>`: a folder with one subfolder per project, each with its own
kata.toml, grades every week-1 exercise it names and prints a week total — run as the
learner runs it, through the installed `kata` command, in real Docker."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

PROJECTS = {"todo": "todo-cli", "kv": "kv-store"}


@pytest.mark.docker
@pytest.mark.slow
def test_week1_grades_every_project_of_a_monorepo(tmp_path: Path, root: Path):
    mono = tmp_path / "roadmap"
    for folder, exercise in PROJECTS.items():
        shutil.copytree(root / "exercises" / exercise / "reference", mono / folder)
        (mono / folder / "kata.toml").write_text(f'exercise = "{exercise}"\n')
    (mono / "README.md").write_text("my week-1 projects\n")
    done = subprocess.run(
        [str(root / ".venv" / "bin" / "kata"), "grade", "week1", str(mono),
         "--json", str(tmp_path / "report.json")],
        check=False, capture_output=True, text=True, timeout=900,
        env={**os.environ, "COLUMNS": "120", "NO_COLOR": "1"},
    )
    said = f"exit {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-2000:]}"
    assert done.returncode == 0, said
    for exercise in PROJECTS.values():
        assert exercise in done.stdout, said
    assert "week1 total: 200 / 200 points" in done.stdout, said
    for folder, exercise in PROJECTS.items():  # one JSON report per exercise
        report = json.loads((tmp_path / f"report.{exercise}.json").read_text())
        assert report["exercise_id"] == exercise
        assert report["repo_path"] == str((mono / folder).resolve())
        assert report["score"]["earned"] == report["score"]["max"] == 100
