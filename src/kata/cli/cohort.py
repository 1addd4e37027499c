"""`kata cohort`: an instructor grades many learners' repositories, one after another.

Nothing one learner's repository holds may stop another learner's grade or record:

* each learner is graded on its own; whatever ends that grade (a kata.toml kata cannot
  read, a failure of kata itself on that repository) is that learner's row — "not graded"
  with the reason — and the cohort goes on;
* with ``--record`` each grade is recorded as soon as it is made, in its own transaction,
  so an interrupted cohort keeps every grade made before the interruption, and
  ``--resume`` skips the learners already recorded at the commit their folder is at;
* what the learner wrote reaches the terminal only through ``sanitise.terminal``.
"""

from __future__ import annotations

import subprocess
import traceback
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from kata.cli._shared import edge
from kata.errors import ExitCode, KataError, RepoProblem, UsageError
from kata.report import Report
from kata.sanitise import terminal

out = Console()
err = Console(stderr=True)


@dataclass
class Row:
    """One learner's line in the final table."""

    learner: str
    score: str = "—"
    percent: str = "—"
    result: Text | None = None
    failure: ExitCode | None = None  # REPO: the repository could not be read; ENVIRONMENT: kata


def folder_commit(path: Path) -> str | None:
    """The commit a learner's folder is at, if the folder is itself a git repository's
    root (a folder inside another repository would give that repository's commit)."""
    try:
        done = subprocess.run(
            ["git", "-C", str(path), "rev-parse", "--show-toplevel", "HEAD"],
            capture_output=True, text=True, timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    lines = done.stdout.split()
    if done.returncode != 0 or len(lines) != 2:
        return None
    if Path(lines[0]).resolve() != path.resolve():
        return None
    return lines[1]


def _result(report: Report) -> Text:
    if report.problem:
        return Text(f"could not grade: {terminal(report.problem.message)}", style="red")
    lost = [terminal(r.id) for r in report.requirements if r.status != "pass"]
    if not lost:
        return Text("all requirements", style="green")
    return Text("missing: " + ", ".join(lost))


def _not_graded(e: BaseException) -> tuple[str, ExitCode]:
    """Why a learner has no grade, and whose side that is."""
    if isinstance(e, (RepoProblem, UsageError)):  # e.g. its kata.toml is not valid TOML
        return f"not graded: {e.message}", ExitCode.REPO
    if isinstance(e, KataError):
        return f"not graded, kata's side: {e.message}", ExitCode.ENVIRONMENT
    where = traceback.extract_tb(e.__traceback__)[-1] if e.__traceback__ else None
    at = f" at {Path(where.filename).name}:{where.lineno}" if where else ""
    first = (str(e).strip().splitlines() or [""])[0][:200]
    return (f"not graded: kata failed on this repository ({type(e).__name__}{at}: {first}); "
            "please report it", ExitCode.ENVIRONMENT)


@edge
def cohort(
    exercise: str = typer.Argument(..., help="exercise id"),
    repos: list[Path] = typer.Argument(
        ..., help="one folder per learner (its name is the learner)"),
    record: str | None = typer.Option(None, "--record",
                                         help="record each grade in this SQLite file or URL "
                                         "as soon as it is made"),
    reports_dir: Path | None = typer.Option(None, "--reports", help="write each JSON report here"),
    seed: int = typer.Option(1, help="seed for generated test data"),
    resume: bool = typer.Option(False, "--resume", help="skip learners --record already holds "
                                "at the commit their folder is at (after an interruption)"),
) -> None:
    """For instructors: grade many learners' repositories, one after another, and rank them.

    One learner's repository never stops another's grade: a learner kata cannot grade is
    listed with the reason and the cohort goes on. Exit 0 when every learner was graded
    (a repository that does not build is graded 0), 3 when some learner's repository could
    not be read, 4 when kata failed on some learner; the others are graded either way."""
    from kata.cli import leaderboard as leaderboard_cmd
    from kata.cli.main import _catalog, _grade_one
    from kata.engine import GradeOptions
    from kata.leaderboard import open_store
    from kata.reporters import render_json
    from kata.sandbox.docker import connect

    catalog = _catalog()
    ex = catalog.get(exercise)
    if resume and not record:
        raise UsageError("--resume needs --record", "pass the results file the interrupted "
                         "cohort recorded into, e.g. --record results.db --resume")
    folders = [p for p in repos if p.is_dir()]
    if not folders:
        raise UsageError("no repository folders given", "pass one folder per learner")
    client = connect()
    rows: list[Row] = []
    recorded = 0
    with ExitStack() as stack:
        # Opened before grading: a results store that cannot be written is known at once,
        # not after an hour of grading.
        store = stack.enter_context(open_store(record)) if record else None
        done = ({(e.learner, e.commit) for e in store.entries() if e.exercise_id == ex.id}
                if store is not None and resume else set())
        for i, path in enumerate(folders, 1):
            name = path.name
            err.print(Text.assemble((f"{i}/{len(folders)} ", "bold"), terminal(name)))
            row = Row(terminal(name))
            rows.append(row)
            if resume:
                commit = folder_commit(path)
                if commit and (name, commit) in done:
                    row.result = Text(f"already recorded at {commit[:12]} (--resume)", style="dim")
                    continue
            try:
                report = _grade_one(catalog, ex, path, GradeOptions(seed=seed, learner=name),
                                    client, verbose=False)
            except KeyboardInterrupt:
                raise
            except Exception as e:  # this learner only: see the module's docstring
                reason, row.failure = _not_graded(e)
                row.result = Text(terminal(reason), style="red")
                err.print(row.result)
                continue
            row.score = f"{report.score.earned:g}/{report.score.max}"
            row.percent = f"{report.score.percent:g}"
            row.result = _result(report)
            if reports_dir:
                reports_dir.mkdir(parents=True, exist_ok=True)
                (reports_dir / f"{name}.{ex.id}.json").write_text(render_json(report), "utf-8")
            if store is not None:
                try:
                    recorded += store.record(leaderboard_cmd.entries_for([report], catalog))
                except KataError as e:
                    row.failure = ExitCode.ENVIRONMENT
                    row.result.append(Text(f" · not recorded: {terminal(e.message)}",
                                           style="red"))
    table = Table("learner", "score", "%", "result", box=None, header_style="bold")
    for row in rows:
        table.add_row(Text(row.learner), Text(row.score), Text(row.percent),
                      row.result or Text(""))
    out.print(table)
    if store is not None:
        out.print(Text(f"recorded {recorded} new grade(s) in {terminal(store.where)}: "
                       "see `kata leaderboard`"))
    failures = {r.failure for r in rows if r.failure is not None}
    if failures:
        missing = sum(r.failure is not None for r in rows)
        err.print(Text(f"{missing} learner(s) not graded or not recorded: see the table",
                       style="bold red"))
        raise typer.Exit(int(max(failures)))
