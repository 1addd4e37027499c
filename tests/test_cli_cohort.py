"""`kata cohort` grades one folder per learner with the real engine and records them all."""

import os
import signal
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


def _learner(root: Path, name: str, files: dict[str, str]) -> Path:
    """A learner's folder as its own git repository (what --resume keys on)."""
    folder = root / name
    folder.mkdir()
    for rel, text in files.items():
        (folder / rel).write_text(text)
    git = ["git", "-C", str(folder), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "work"], check=True)
    return folder


def _recorded(db: Path) -> dict[str, int]:
    import sqlite3

    with sqlite3.connect(db) as conn:
        return dict(conn.execute(
            "SELECT learner, count(*) FROM kata_results GROUP BY learner").fetchall())


@pytest.mark.docker
@pytest.mark.slow
def test_one_learner_cannot_stop_the_cohort_and_an_interrupted_cohort_resumes(tmp_path):
    """Run 1: a build error holding rich markup and a kata.toml of the wrong type (once a
    TypeError that stopped the cohort) are each that learner's row; the other is graded
    and recorded. Run 2 (--resume) skips the learner recorded at the same commit, records
    the next one as soon as it is graded, and is interrupted during the last: what was
    graded stays recorded."""
    env = {**os.environ, "KATA_HOME": str(FIXTURES / "home"), "COLUMNS": "200",
           "NO_COLOR": "1"}
    app = {"Dockerfile": (FIXTURES / "missing-tables" / "Dockerfile").read_text(),
           "app.py": (FIXTURES / "missing-tables" / "app.py").read_text()}
    markup = _learner(tmp_path, "markup", {
        "Dockerfile": "FROM python:3.12-slim\nRUN echo '[/] [bold red]forged[/]' && false\n"})
    bad_toml = _learner(tmp_path, "badtoml", {**app, "kata.toml": "dockerfile = 5\n"})
    tables = _learner(tmp_path, "tables", app)
    late = _learner(tmp_path, "late", app)
    db = tmp_path / "cohort.db"

    first = subprocess.run(
        [str(KATA), "cohort", "diag", str(markup), str(bad_toml), "--record", str(db)],
        capture_output=True, text=True, env=env, timeout=300)
    assert "Traceback" not in first.stdout + first.stderr
    assert first.returncode == 3, first.stderr  # a learner's repo could not be read, said so
    rows = {ln.split()[0]: ln for ln in first.stdout.splitlines() if ln.strip()}
    assert "0/2" in rows["markup"] and "could not grade" in rows["markup"]
    assert "[/] [bold red]forged[/]" in rows["markup"]  # shown as written, not read as markup
    assert "not graded" in rows["badtoml"] and "`dockerfile` must be a file path" in rows["badtoml"]
    assert _recorded(db) == {"markup": 1}

    second = subprocess.Popen(
        [str(KATA), "cohort", "diag", str(markup), str(tables), str(late), "--record",
         str(db), "--resume"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    seen = ""
    assert second.stderr is not None
    for line in second.stderr:  # bounded: kata ends on its own if the mark never comes
        seen += line
        if line.startswith("3/3 late"):
            second.send_signal(signal.SIGINT)
            break
    _, rest = second.communicate(timeout=120)
    assert second.returncode == 130, seen + rest
    assert "Traceback" not in seen + rest
    assert _recorded(db) == {"markup": 1, "tables": 1}  # markup not graded again

    third = subprocess.run(
        [str(KATA), "cohort", "diag", str(markup), str(tables), str(late), "--record",
         str(db), "--resume"], capture_output=True, text=True, env=env, timeout=300)
    assert third.returncode == 0, third.stderr
    rows = {ln.split()[0]: ln for ln in third.stdout.splitlines() if ln.strip()}
    assert "--resume" in rows["markup"] and "--resume" in rows["tables"]
    assert "1/2" in rows["late"]
    assert _recorded(db) == {"markup": 1, "tables": 1, "late": 1}


def test_resume_trusts_a_commit_only_for_a_repository_root(tmp_path):
    from kata.cli.cohort import folder_commit

    repo = _learner(tmp_path, "ann", {"app.py": "print()\n"})
    (repo / "sub").mkdir()
    (tmp_path / "plain").mkdir()
    head = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True,
                          text=True, check=True).stdout.strip()
    assert folder_commit(repo) == head
    assert folder_commit(repo / "sub") is None  # would be ann's commit, not the folder's
    assert folder_commit(tmp_path / "plain") is None


def test_why_a_learner_was_not_graded_and_whose_side_it_is():
    from kata.cli.cohort import _not_graded
    from kata.errors import ExitCode, KataError, NoDockerfile, UsageError

    try:
        Path("x") / 5  # what `dockerfile = 5` once did
    except TypeError as e:
        reason, side = _not_graded(e)
    assert side is ExitCode.ENVIRONMENT and "TypeError at test_cli_cohort.py" in reason
    assert _not_graded(UsageError("kata.toml is not valid TOML"))[1] is ExitCode.REPO
    assert _not_graded(NoDockerfile("no Dockerfile"))[1] is ExitCode.REPO
    assert _not_graded(KataError("Docker went away"))[1] is ExitCode.ENVIRONMENT


@pytest.mark.docker
@pytest.mark.slow
def test_a_cohort_at_two_jobs_gives_the_verdicts_of_a_serial_one(tmp_path):
    """`--jobs 2` grades learners side by side; the load phase still runs alone on the host,
    so each learner keeps the verdict serial grading gives: the reference everything, each
    mutant exactly what `kata verify` (serial, in this same CI run) says it loses — one of
    them a load loss, the figure a neighbour could distort. A folder kata cannot read is
    that learner's row, as serially."""
    from kata.catalog import load_catalog
    from kata.mutants import load_mutants, materialize

    ex = load_catalog().get("kv-store")
    mutants = {m.name: m for m in load_mutants(ex)}
    picked = ["one-client-at-a-time", "blocks-per-command"]
    learners = tmp_path / "learners"
    folders = [materialize(ex, mutants[n], learners / n) for n in picked]
    folders.append(materialize(ex, mutants[picked[0]], learners / "reference"))
    for edit in mutants[picked[0]].edit:  # undo: the reference itself, under a learner's name
        (folders[-1] / edit.file).write_text(
            (ex.reference_path / edit.file).read_text("utf-8"), "utf-8")
    broken = learners / "unreadable"
    broken.mkdir()
    (broken / "kata.toml").write_text("port = 'eighty'\n")
    done = subprocess.run(
        [str(KATA), "cohort", "kv-store", *map(str, folders), str(broken), "--jobs", "2",
         "--reports", str(tmp_path / "r")],
        capture_output=True, text=True, env={**os.environ, "COLUMNS": "200"}, timeout=600,
    )
    assert "Traceback" not in done.stdout + done.stderr, done.stderr[-3000:]
    assert done.returncode == 3, done.stdout + done.stderr[-3000:]  # one unreadable repo
    lines = {ln.split()[0]: ln for ln in done.stdout.splitlines() if ln.strip()}
    assert "not graded" in lines["unreadable"] and "port" in lines["unreadable"], lines
    from kata.report import Report

    for name in ["reference", *picked]:
        report = Report.model_validate_json((tmp_path / "r" / f"{name}.kv-store.json")
                                            .read_text())
        lost = {r.id for r in report.requirements if r.status != "pass"}
        expected = set() if name == "reference" else set(mutants[name].breaks)
        assert lost == expected, (name, lost, done.stdout)
