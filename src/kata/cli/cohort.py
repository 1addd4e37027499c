"""`kata cohort`: an instructor grades many learners' repositories, one after another or
(``--jobs N``) N at a time.

Nothing one learner's repository holds may stop another learner's grade or record:

* each learner is graded on its own; whatever ends that grade (a kata.toml kata cannot
  read, a failure of kata itself on that repository) is that learner's row — "not graded"
  with the reason — and the cohort goes on;
* with ``--record`` each grade is recorded as soon as it is made, in its own transaction,
  so an interrupted cohort keeps every grade made before the interruption, and
  ``--resume`` skips the learners already recorded at the commit their folder is at;
* what the learner wrote reaches the terminal only through ``sanitise.terminal``;
* with ``--jobs N`` each learner is graded by a `kata grade` process of its own (pytest and
  schemathesis run inside the grading process and are not thread-safe); every kata grade
  takes turns around measuring phases host-wide (``gate.PhaseGate``), so a load figure is
  the same as in a serial cohort.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Iterator
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


def _child_failure(code: int, log: Path) -> tuple[str, ExitCode]:
    """Why a `kata grade` child left no report: its `error:` line, and whose side it is."""
    from kata.sandbox.logtail import strip_ansi

    text = strip_ansi(log.read_text("utf-8", "replace")[-8000:])
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    said = [line.removeprefix("error:").strip() for line in lines if line.startswith("error:")]
    message = (said or lines[-1:] or [f"exit {code}"])[-1][:300]
    if code in (ExitCode.USAGE, ExitCode.REPO):
        return f"not graded: {message}", ExitCode.REPO
    return f"not graded, kata's side: {message}", ExitCode.ENVIRONMENT


def _grade_apart(exercise: str, work: list[tuple[int, Path]], seed: int, jobs: int,
                 ) -> Iterator[tuple[int, Report | tuple[str, ExitCode]]]:
    """Grade each (index, folder) in a `kata grade` process of its own, ``jobs`` at a time;
    yield each index with its report, or why there is none, as soon as it is known."""
    pending = list(work)
    # not a step of a GitHub workflow of its own: the cohort, not each child, reports there
    child_env = {k: v for k, v in os.environ.items() if k != "GITHUB_ACTIONS"}
    running: list[tuple[int, subprocess.Popen, Path, Path]] = []
    with tempfile.TemporaryDirectory(prefix="kata-cohort-") as tmp:
        try:
            while pending or running:  # bounded: every child has the grade's own deadlines
                while pending and len(running) < jobs:
                    i, path = pending.pop(0)
                    report, log = Path(tmp, f"{i}.json"), Path(tmp, f"{i}.log")
                    cmd = [sys.executable, "-m", "kata", "grade", exercise, str(path),
                           "--json", str(report), "--seed", str(seed), "--learner", path.name,
                           "--no-history"]
                    with log.open("w") as sink:
                        running.append((i, subprocess.Popen(
                            cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=sink, env=child_env), report, log))
                time.sleep(0.2)
                still = []
                for i, proc, report, log in running:
                    code = proc.poll()
                    if code is None:
                        still.append((i, proc, report, log))
                    elif code == ExitCode.INTERRUPTED:
                        raise KeyboardInterrupt
                    elif report.is_file():
                        yield i, Report.model_validate_json(report.read_text("utf-8"))
                    else:
                        yield i, _child_failure(code, log)
                running = still
        finally:  # interrupted: each child removes its sandbox on SIGINT, as kata does
            for _, proc, _, _ in running:
                proc.send_signal(signal.SIGINT)
            for _, proc, _, _ in running:
                try:
                    proc.wait(60)
                except subprocess.TimeoutExpired:
                    proc.kill()


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
    jobs: int = typer.Option(1, "--jobs", "-j", min=1, max=16,
                             help="grade this many learners at a time (load phases still "
                             "run alone on the host)"),
) -> None:
    """For instructors: grade many learners' repositories, one after another (or --jobs N
    at a time), and rank them.

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
        todo: list[tuple[int, Path]] = []
        for i, path in enumerate(folders):
            rows.append(Row(terminal(path.name)))
            if resume:
                commit = folder_commit(path)
                if commit and (path.name, commit) in done:
                    rows[i].result = Text(f"already recorded at {commit[:12]} (--resume)",
                                          style="dim")
                    continue
            todo.append((i, path))

        def serially() -> Iterator[tuple[int, Report | tuple[str, ExitCode]]]:
            for i, path in todo:
                err.print(Text.assemble((f"{i + 1}/{len(folders)} ", "bold"),
                                        terminal(path.name)))
                try:
                    yield i, _grade_one(catalog, ex, path,
                                        GradeOptions(seed=seed, learner=path.name),
                                        client, verbose=False)
                except KeyboardInterrupt:
                    raise
                except Exception as e:  # this learner only: see the module's docstring
                    yield i, _not_graded(e)

        graded = serially() if jobs == 1 else _grade_apart(ex.id, todo, seed, jobs)
        for i, outcome in graded:
            row, name = rows[i], folders[i].name
            if not isinstance(outcome, Report):
                reason, row.failure = outcome
                row.result = Text(terminal(reason), style="red")
                err.print(Text.assemble(terminal(name), ": "), row.result)
                continue
            report = outcome
            if jobs > 1:
                err.print(Text.assemble(terminal(name), f": {report.score.percent:g}%"))
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


@edge
def cohort_plan(
    exercise: str = typer.Argument(..., help="exercise id"),
    roster: Path = typer.Argument(..., help="CSV: learner,repository[,ref] (owner/name)"),
    target: str = typer.Option("actions", "--target",
                               help="actions (a GitHub workflow) or kubernetes (Jobs)"),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="where to write it (actions: "
        ".github/workflows/kata-cohort.yml; kubernetes: kata-cohort-<id>.yaml, and the "
        "leaderboard Job beside it as …-leaderboard.yaml)"),
    action: str = typer.Option(os.environ.get("KATA_ACTION", "OWNER/kata@v1"), "--action",
                               help="actions: the kata Action, <owner>/kata@<version>"),
    image: str = typer.Option("ghcr.io/OWNER/kata:v1", "--image",
                              help="kubernetes: an image with kata, git and the docker CLI"),
    max_parallel: int = typer.Option(20, "--max-parallel", min=1, max=256,
                                     help="learners graded at once (per matrix job)"),
) -> None:
    """For instructors: write what grades every learner of ROSTER on an engine you already
    run — a GitHub Actions workflow (a matrix job each, chunks of 256) or Kubernetes Jobs
    (an Indexed Job, one completion each) — and imports the reports into a leaderboard."""
    from kata.cli._shared import catalog_or_none
    from kata.plan import actions, kubernetes
    from kata.plan.roster import read_roster

    catalog = catalog_or_none()
    if catalog is not None:  # an unknown id is a usage error naming the known ones
        catalog.get(exercise)
    if target not in ("actions", "kubernetes"):
        raise UsageError(f"--target {target!r} is not a target kata can plan for",
                         "use --target actions or --target kubernetes")
    if target == "actions" and ("/" not in action or "@" not in action):
        raise UsageError(f"--action {action!r} is not <owner>/<repo>@<version>",
                         "e.g. --action my-org/kata@v1")
    learners = read_roster(roster)
    if target == "actions":
        output = output or Path(".github/workflows/kata-cohort.yml")
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(actions.workflow(exercise, learners, action, max_parallel), "utf-8")
        jobs = len(actions.chunks(learners))
        out.print(Text(f"wrote {output}: {len(learners)} learner(s) in {jobs} matrix job(s), "
                       f"{max_parallel} at a time; commit it and start it from the Actions "
                       "tab"))
        return
    output = output or Path(f"kata-cohort-{exercise}.yaml")
    after = output.with_name(f"{output.stem}-leaderboard{output.suffix or '.yaml'}")
    output.parent.mkdir(parents=True, exist_ok=True)
    head = f"# Written by `kata cohort-plan {exercise} --target kubernetes`.\n"
    output.write_text(kubernetes.dump(kubernetes.grading(exercise, learners, image,
                                                         max_parallel), head), "utf-8")
    after.write_text(kubernetes.dump(kubernetes.collecting(exercise, image), head), "utf-8")
    job = kubernetes.job_name(exercise)
    out.print(Text(f"wrote {output} ({len(learners)} learner(s), {max_parallel} at a time) "
                   f"and {after}:\n  kubectl apply -f {output}\n  kubectl wait --for="
                   f"condition=complete --timeout=24h job/{job}\n  kubectl apply -f {after}"))
