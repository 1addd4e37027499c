"""The command line: the only place that prints, and where errors become exit codes."""

from __future__ import annotations

import functools
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path

import docker.errors
import typer
from rich.console import Console
from rich.markdown import Markdown
from rich.table import Table

from kata import __version__, github
from kata.catalog import Catalog, Exercise, load_catalog, runtime_contract
from kata.cli import init as init_cmd
from kata.cli import leaderboard as leaderboard_cmd
from kata.errors import ExitCode, KataError, RepoProblem, UsageError
from kata.reporters import to_json, to_junit, to_markdown
from kata.reporters.terminal import Progress, print_scorecard

app = typer.Typer(
    help="kata grades backend projects: it builds your repo in Docker, runs it with its "
    "services, and scores it against the exercise's requirements.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)


def _sigterm_is_interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def edge(fn: Callable) -> Callable:
    """Every command: KataError → one message and its exit code; Ctrl-C/SIGTERM → 130."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        signal.signal(signal.SIGTERM, _sigterm_is_interrupt)
        # A script's background job (`cmd &` without job control) starts with SIGINT
        # ignored, and Python then keeps it so: an explicit SIGINT would do nothing and
        # the run would go on. kata stops on it, as on SIGTERM.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        try:
            return fn(*args, **kwargs)
        except KataError as e:
            err.print(f"[bold red]error:[/] {e.message}")
            if e.fix:
                err.print(f"[bold]fix:[/] {e.fix}")
            raise typer.Exit(int(e.exit_code)) from None
        except RepoProblem as e:  # raised before grading began (e.g. the path is a file)
            err.print(f"[bold red]error:[/] {e.message}")
            if e.fix:
                err.print(f"[bold]fix:[/] {e.fix}")
            raise typer.Exit(int(ExitCode.REPO)) from None
        except docker.errors.DockerException as e:  # a Docker reply no step expected
            err.print(f"[bold red]error:[/] Docker refused a request: {_first_line(e)}")
            err.print("[bold]fix:[/] check `docker info`, then grade again; if it repeats, "
                      "report it with this message")
            raise typer.Exit(int(ExitCode.ENVIRONMENT)) from None
        except KeyboardInterrupt:
            err.print("[yellow]interrupted[/]: everything kata started has been removed")
            raise typer.Exit(int(ExitCode.INTERRUPTED)) from None

    return wrapper


def _first_line(e: Exception) -> str:
    return (str(e).strip().splitlines() or [type(e).__name__])[0][:300]


def _catalog() -> Catalog:
    return load_catalog()


@app.command("list")
@edge
def list_() -> None:
    """Every exercise: id, week, title, graders, points."""
    table = Table("id", "week", "title", "graders", "points", box=None, header_style="bold")
    for ex in sorted(_catalog().exercises.values(), key=lambda e: (e.week, e.id)):
        table.add_row(ex.id, str(ex.week), ex.title, ", ".join(ex.graders_used), str(ex.max_points))
    out.print(table)


@app.command()
@edge
def show(exercise: str = typer.Argument(..., help="exercise id")) -> None:
    """The learner-facing spec, the requirements with points, and the runtime contract."""
    ex = _catalog().get(exercise)
    out.print(Markdown(ex.spec_path.read_text(encoding="utf-8")) if ex.spec_path.exists() else "")
    table = Table("id", "points", "grader", "requirement", box=None, header_style="bold",
                  title=f"Requirements — pass mark {ex.pass_mark}% of {ex.max_points} points")
    for r in ex.requirements:
        table.add_row(r.id, str(r.points), r.grader, r.title)
    out.print(table)
    out.print(Markdown(runtime_contract(ex)))


def _pick_exercises(catalog: Catalog, name: str, repo_path: Path) -> list[tuple[Exercise, Path]]:
    """(exercise, repo folder) pairs to grade for an exercise id or a week alias."""
    from kata.repo import open_repo

    found = catalog.resolve(name)
    if len(found) == 1 and not name.startswith("week"):
        return [(found[0], repo_path)]
    ids = {e.id for e in found}
    repo = open_repo(repo_path)
    named = [i for i in repo.exercises if i in ids]
    if named:
        return [(catalog.get(i), repo_path) for i in named]
    # A monorepo: one subfolder per project, each with its own kata.toml.
    pairs = []
    for sub in sorted(p for p in repo_path.iterdir() if (p / "kata.toml").is_file()):
        for i in open_repo(sub).exercises:
            if i in ids:
                pairs.append((catalog.get(i), sub))
    if pairs:
        return pairs
    if len(found) == 1:
        return [(found[0], repo_path)]
    raise UsageError(
        f"{name} holds several exercises ({', '.join(sorted(ids))}) and {repo_path} does not "
        "say which it is",
        f'add kata.toml with `exercise = "{sorted(ids)[0]}"` to the repo, or run '
        f"`kata grade {sorted(ids)[0]} {repo_path}`",
    )


@app.command()
@edge
def grade(
    exercise: str = typer.Argument(..., help="exercise id, or a week alias like week1"),
    repo: Path = typer.Argument(Path("."), help="the learner's repository"),
    json_out: Path | None = typer.Option(None, "--json", help="write the JSON report here"),
    junit_out: Path | None = typer.Option(None, "--junit", help="write JUnit XML here"),
    md_out: Path | None = typer.Option(None, "--markdown", help="write a Markdown scorecard"),
    only: list[str] | None = typer.Option(None, "--only", help="grade just these requirement ids"),
    seed: int = typer.Option(1, help="seed for generated test data"),
    keep: bool = typer.Option(False, "--keep", help="leave the app running afterwards"),
    learner: str | None = typer.Option(None, help="the learner's name, for the report"),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="stream the build log"),
    deadline: float | None = typer.Option(
        None, help="overall seconds; work not started by then is reported as not reached"),
    history: bool = typer.Option(True, help="compare with this repo's previous grade"),
    recalibrate: bool = typer.Option(
        False, "--recalibrate", help="measure the reference solution again for load SLOs"),
    pass_mark: int | None = typer.Option(None, "--pass-mark", min=0, max=100,
                                            help="override the exercise's pass mark (percent)"),
    record: str | None = typer.Option(None, "--record", help="also record the grade in this "
                                         "results file (SQLite) or postgresql:// URL"),
) -> None:
    """Build REPO, run it with its services, grade it, print the scorecard."""
    from kata.engine import GradeOptions
    from kata.sandbox.docker import connect

    catalog = _catalog()
    pairs = _pick_exercises(catalog, exercise, repo)
    client = connect()
    actions = github.Actions.from_env(os.environ)  # in a GitHub Actions workflow, or None
    if actions:
        actions.pause(sys.stdout)
    learner = learner or github.default_learner(os.environ)
    reports = []
    for ex, path in pairs:
        if pass_mark is not None:
            ex = ex.model_copy(update={"pass_mark": pass_mark})
        if only:
            unknown = set(only) - {r.id for r in ex.requirements}
            if unknown:
                raise UsageError(f"unknown requirement ids for {ex.id}: {sorted(unknown)}",
                                 f"run `kata show {ex.id}` to list them")
        options = GradeOptions(seed=seed, only=set(only) if only else None, keep=keep,
                               learner=learner, deadline_s=deadline,
                               ci=github.ci_identity(os.environ), recalibrate=recalibrate)
        report = _grade_one(catalog, ex, path, options, client, verbose)
        print_scorecard(out, report)
        if history and not only:
            _show_progress(report)
        reports.append(report)
    if len(reports) > 1:
        earned = sum(r.score.earned for r in reports)
        total = sum(r.score.max for r in reports)
        out.print(f"[bold]{exercise} total: {earned:g} / {total} points[/]")
    json_paths = _write(json_out, reports, to_json)
    _write(junit_out, reports, to_junit)
    _write(md_out, reports, to_markdown)
    if actions:
        actions.publish(reports, json_paths, sys.stdout)
    if record:
        leaderboard_cmd.record(record, reports, catalog)
    broken = [(r.exercise_id, q.id) for r in reports for q in r.kata_faults]
    if broken:  # the grader raised outside an assertion about the app: kata's bug, not a score
        named = ", ".join(f"{e}/{q}" for e, q in broken)
        err.print(f"[bold red]kata's bug:[/] the grader of {named} broke (not the repository "
                  "graded); this grade does not count. Report it to kata's maintainers with "
                  "the traceback in the JSON report (--json FILE).")
        raise typer.Exit(int(ExitCode.ENVIRONMENT))
    if any(r.problem for r in reports):
        raise typer.Exit(int(ExitCode.REPO))
    passed = all(r.score.passed for r in reports)
    raise typer.Exit(int(ExitCode.PASSED if passed else ExitCode.BELOW_PASS_MARK))


def _grade_one(catalog: Catalog, ex: Exercise, path: Path, options, client, verbose: bool):
    """One exercise on one folder with the real sandbox and the progress display."""
    from kata.engine import grade as run_grade
    from kata.repo import open_repo
    from kata.sandbox.docker import DockerSandbox

    progress = Progress(err, verbose)
    try:
        return run_grade(
            ex,
            open_repo(path),
            catalog.grader_dir(ex),
            lambda e, run_id: DockerSandbox(limits=e.limits, run_id=run_id, client=client,
                                            data_dir=e.app.data_dir, keep=options.keep),
            options,
            progress,
        )
    finally:
        progress.stop()


@app.command()
@edge
def cohort(
    exercise: str = typer.Argument(..., help="exercise id"),
    repos: list[Path] = typer.Argument(
        ..., help="one folder per learner (its name is the learner)"),
    record: str | None = typer.Option(None, "--record",
                                         help="record every grade in this SQLite file or URL"),
    reports_dir: Path | None = typer.Option(None, "--reports", help="write each JSON report here"),
    seed: int = typer.Option(1, help="seed for generated test data"),
) -> None:
    """For instructors: grade many learners' repositories, one after another, and rank them."""
    from kata.engine import GradeOptions
    from kata.sandbox.docker import connect

    catalog = _catalog()
    ex = catalog.get(exercise)
    client = connect()
    folders = [p for p in repos if p.is_dir()]
    if not folders:
        raise UsageError("no repository folders given", "pass one folder per learner")
    table = Table("learner", "score", "%", "result", box=None, header_style="bold")
    reports = []
    for i, path in enumerate(folders, 1):
        err.print(f"[bold]{i}/{len(folders)}[/] {path.name}")
        options = GradeOptions(seed=seed, learner=path.name)
        report = _grade_one(catalog, ex, path, options, client, verbose=False)
        reports.append(report)
        if report.problem:
            result = f"[red]could not grade: {report.problem.message}[/]"
        else:
            lost = [r.id for r in report.requirements if r.status != "pass"]
            result = ("[green]all requirements[/]" if not lost
                      else "missing: " + ", ".join(lost))
        table.add_row(path.name, f"{report.score.earned:g}/{report.score.max}",
                      f"{report.score.percent:g}", result)
        if reports_dir:
            reports_dir.mkdir(parents=True, exist_ok=True)
            (reports_dir / f"{path.name}.{ex.id}.json").write_text(to_json(report), "utf-8")
    out.print(table)
    if record:
        leaderboard_cmd.record(record, reports, catalog)
        out.print(f"recorded {len(reports)} grade(s) in {record}: see `kata leaderboard`")


def _show_progress(report) -> None:
    from kata import history

    previous = history.load_previous(report)
    if previous is not None:
        change = history.delta(previous, history.summary(report))
        out.print(f"[bold]{change.line(report.exercise_id)}[/]")
    history.save(report)


def _write(path: Path | None, reports: list, render: Callable) -> list[Path]:
    if path is None:
        return []
    if len(reports) == 1:
        path.write_text(render(reports[0]), encoding="utf-8")
        return [path]
    paths = []
    for r in reports:  # one file per exercise: name.ext → name.<id>.ext
        paths.append(path.with_name(f"{path.stem}.{r.exercise_id}{path.suffix}"))
        paths[-1].write_text(render(r), encoding="utf-8")
    return paths


@app.command()
@edge
def verify(exercise: str = typer.Argument(..., help="exercise id")) -> None:
    """For instructors: grade the reference and every mutant; each mutant must lose exactly
    the requirements it declares."""
    from kata.sandbox.docker import DockerSandbox, connect
    from kata.verify import verify_exercise

    catalog = _catalog()
    ex = catalog.get(exercise)
    client = connect()

    def factory(e, run_id):
        return DockerSandbox(limits=e.limits, run_id=run_id, client=client,
                             data_dir=e.app.data_dir)

    table = Table("variant", "expected to lose", "lost", "score", "", box=None,
                  header_style="bold")
    bad = 0
    with err.status(f"verifying {ex.id}"):
        for v in verify_exercise(catalog, ex, factory):
            bad += not v.ok
            mark = "[green]✔[/]" if v.ok else "[red]✘[/]"
            lost = ", ".join(sorted(v.lost)) or "—"
            if v.report.problem:
                lost = f"[red]could not grade: {v.report.problem.message}[/]"
            table.add_row(v.variant, ", ".join(sorted(v.expected_lost)) or "—", lost,
                          f"{v.report.score.earned:g}/{v.report.score.max}", mark)
            err.print(f"{mark} {v.variant}")
    out.print(table)
    raise typer.Exit(0 if bad == 0 else int(ExitCode.BELOW_PASS_MARK))


@app.command()
@edge
def images(
    names: list[str] | None = typer.Argument(None, help="images to build (default: the usual set)"),
    force: bool = typer.Option(False, help="rebuild even if present"),
) -> None:
    """Build the local images exercises and learner Dockerfiles need (no registry here)."""
    from kata import localimages
    from kata.sandbox.docker import connect

    connect()
    try:
        built = localimages.ensure_images(names or None, force=force, log=lambda s: err.print(s))
    except ValueError as e:
        raise UsageError(str(e), f"known images: {', '.join(localimages.known_images())}") from None
    out.print(f"built {len(built)} image(s)" + (f": {', '.join(built)}" if built else ""))


@app.command()
@edge
def clean(
    cache: bool = typer.Option(False, help="also remove cached learner images"),
    all_runs: bool = typer.Option(False, "--all", help="also stop gradings still running"),
) -> None:
    """Remove what kata left: runs kept with --keep and runs whose kata process died."""
    from kata.sandbox.docker import (
        CACHE_LABEL,
        connect,
        image_summaries,
        reap_orphans,
        remove_run,
    )

    client = connect()
    if all_runs:
        remove_run(client, None)
    else:
        reap_orphans(client, include_kept=True)
    if cache:
        for img in image_summaries(client, filters={"label": CACHE_LABEL}):
            try:
                client.images.remove(img["Id"], force=True)
            except Exception:
                pass
    out.print("removed " + ("everything labelled kata" if all_runs
                            else "kept and orphaned runs (gradings in progress untouched)"))


@app.command()
def schema() -> None:
    """Print the JSON schema of the report."""
    from kata.reporters.json import schema as report_schema

    out.print_json(report_schema())


@app.command()
def version() -> None:
    """Print kata's version."""
    out.print(__version__)


app.add_typer(leaderboard_cmd.app, name="leaderboard")
app.command("init")(init_cmd.init)


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":
    sys.exit(app())
