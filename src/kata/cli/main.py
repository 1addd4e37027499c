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
from kata.cli import cohort as cohort_cmd
from kata.cli import doctor as doctor_cmd
from kata.cli import init as init_cmd
from kata.cli import leaderboard as leaderboard_cmd
from kata.cli._shared import pick_exercises
from kata.errors import ExitCode, KataError, RepoProblem, UsageError
from kata.repo import Repo
from kata.repoconfig import check_config
from kata.reporters import render_json, render_junit, render_markdown
from kata.reporters.terminal import Progress, print_scorecard
from kata.sanitise import markup

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
        except KataError as e:  # messages may quote the learner's files: never as markup
            err.print(f"[bold red]error:[/] {markup(e.message)}")
            if e.fix:
                err.print(f"[bold]fix:[/] {markup(e.fix)}")
            raise typer.Exit(int(e.exit_code)) from None
        except RepoProblem as e:  # raised before grading began (e.g. the path is a file)
            err.print(f"[bold red]error:[/] {markup(e.message)}")
            if e.fix:
                err.print(f"[bold]fix:[/] {markup(e.fix)}")
            raise typer.Exit(int(ExitCode.REPO)) from None
        except docker.errors.DockerException as e:  # a Docker reply no step expected
            err.print(f"[bold red]error:[/] Docker refused a request: {markup(_first_line(e))}")
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
def show(
    exercise: str = typer.Argument(..., help="exercise id, or kata.toml"),
    contract: bool = typer.Option(False, "--contract",
                                  help="print the exercise's contract file (e.g. its OpenAPI "
                                       "document) exactly, and nothing else"),
) -> None:
    """The learner-facing spec, the requirements with points, and the runtime contract
    (`kata show kata.toml`: every key kata.toml may hold, with an example)."""
    from kata import repoconfig

    if exercise == repoconfig.FILE:
        out.print(Markdown(repoconfig.reference()))
        return
    ex = _catalog().get(exercise)
    contract_file = _contract_file(ex)
    if contract:
        if contract_file is None:
            raise UsageError(f"{ex.id} has no contract file",
                             f"run `kata show {ex.id}` for its spec")
        sys.stdout.write(contract_file.read_text(encoding="utf-8"))
        return
    out.print(Markdown(ex.spec_path.read_text(encoding="utf-8")) if ex.spec_path.exists() else "")
    table = Table("id", "points", "grader", "requirement", box=None, header_style="bold",
                  title=f"Requirements — pass mark {ex.pass_mark}% of {ex.max_points} points")
    for r in ex.requirements:
        table.add_row(r.id, str(r.points), r.grader, r.title)
    out.print(table)
    out.print(Markdown(runtime_contract(ex)))
    out.print(Markdown(repoconfig.exercise_note(ex)))
    if contract_file is not None:
        out.print(f"Contract file: {markup(str(contract_file))}\n(print it with "
                  f"`kata show {ex.id} --contract`)", soft_wrap=True)


def _contract_file(ex: Exercise) -> Path | None:
    """The file the exercise's requests are checked against (``[graders.schema] contract``),
    for exercises graded by schemathesis."""
    if "schema" not in ex.graders_used:
        return None
    named = ex.graders.schema_.contract
    return ex.root / named if (ex.root / named).is_file() else None


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
    pairs = pick_exercises(catalog, exercise, repo)
    if only:  # with a week, each exercise grades the ids it has; every id must be somebody's
        unknown = set(only) - {r.id for ex, _ in pairs for r in ex.requirements}
        if unknown:
            names = ", ".join(ex.id for ex, _ in pairs)
            raise UsageError(f"unknown requirement ids for {names}: {sorted(unknown)}",
                             f"run `kata show {pairs[0][0].id}` to list them")
    client = connect()
    actions = github.Actions.from_env(os.environ)  # in a GitHub Actions workflow, or None
    if actions:
        actions.pause(sys.stdout)
    learner = learner or github.default_learner(os.environ)
    reports = []
    for ex, path in pairs:
        if pass_mark is not None:
            ex = ex.model_copy(update={"pass_mark": pass_mark})
        selected = set(only) & {r.id for r in ex.requirements} if only else None
        options = GradeOptions(seed=seed, only=selected, keep=keep,
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
    json_paths = _write(json_out, reports, render_json)
    _write(junit_out, reports, render_junit)
    _write(md_out, reports, render_markdown)
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


def _grade_one(catalog: Catalog, ex: Exercise, path: Path | Repo, options, client,
               verbose: bool):
    """One exercise on one folder (or a repository already opened for it) with the real
    sandbox and the progress display."""
    from kata.engine import grade as run_grade
    from kata.events import Event
    from kata.gate import PhaseGate
    from kata.repo import open_repo
    from kata.sandbox.docker import DockerSandbox
    from kata.verify import measuring

    repo = path if isinstance(path, Repo) else open_repo(path).for_exercise(ex.id)
    check_config(ex, repo.app)
    progress = Progress(err, verbose)
    # Gradings on one host (a cohort's --jobs, two terminals) take turns around measuring
    # phases, so a load figure is never a neighbour's.
    gate = PhaseGate(measuring(ex))

    def emit(event: Event) -> None:
        gate(event)  # first: a measuring phase starts only once it runs alone
        progress(event)

    try:
        return run_grade(
            ex,
            repo,
            catalog.grader_dir(ex),
            lambda e, run_id: DockerSandbox(limits=e.limits, run_id=run_id, client=client,
                                            data_dir=e.app.data_dir, keep=options.keep),
            options,
            emit,
        )
    finally:
        gate.leave()
        progress.stop()


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
    from kata.sandbox.housekeeping import Removals
    from kata.verify import verify_exercise

    catalog = _catalog()
    ex = catalog.get(exercise)
    client = connect()
    removals = Removals()  # each variant's run goes while the next one starts

    def factory(e, run_id):
        return DockerSandbox(limits=e.limits, run_id=run_id, client=client,
                             data_dir=e.app.data_dir, removals=removals)

    table = Table("variant", "expected to lose", "lost", "score", "", box=None,
                  header_style="bold")
    bad = 0
    with err.status(f"verifying {ex.id}"):
        try:
            for v in verify_exercise(catalog, ex, factory):
                bad += not v.ok
                mark = "[green]✔[/]" if v.ok else "[red]✘[/]"
                lost = ", ".join(sorted(v.lost)) or "—"
                if v.report.problem:
                    lost = f"[red]could not grade: {markup(v.report.problem.message)}[/]"
                table.add_row(v.variant, ", ".join(sorted(v.expected_lost)) or "—", lost,
                              f"{v.report.score.earned:g}/{v.report.score.max}", mark)
                err.print(f"{mark} {v.variant}")
        finally:
            removals.drain()
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

    for name in names or []:
        localimages.canonical_name(name)  # an unknown name is a usage error, Docker up or not
    connect()
    built = localimages.ensure_images(names or None, force=force, log=lambda s: err.print(s))
    out.print(f"built {len(built)} image(s)" + (f": {', '.join(built)}" if built else ""))


@app.command()
@edge
def clean(
    cache: bool = typer.Option(False, help="also remove cached learner images"),
    all_runs: bool = typer.Option(False, "--all", help="also stop gradings still running"),
) -> None:
    """Remove what kata left: runs kept with --keep and runs whose kata process died —
    those of this state directory ($KATA_STATE_DIR) only, unless --all."""
    from kata.sandbox.docker import connect
    from kata.sandbox.housekeeping import (
        CACHE_LABEL,
        image_summaries,
        reap_orphans,
        remove_run,
        state_id,
    )

    client = connect()
    if all_runs:
        remove_run(client, None)
    else:
        removed = reap_orphans(client, include_kept=True, state=state_id())
    images = 0
    if cache:
        for img in image_summaries(client, filters={"label": CACHE_LABEL}):
            try:
                client.images.remove(img["Id"], force=True)
                images += 1
            except Exception:
                pass
    cached = f"; {images} cached image(s)" if cache else ""
    if all_runs:
        out.print(f"removed everything labelled kata{cached}")
    elif removed:
        out.print(f"removed {len(removed)} run(s) of this state directory: "
                  f"{', '.join(removed)}{cached} (gradings in progress and other state "
                  "directories' runs untouched; --all for everything)")
    else:
        out.print(f"no kept or orphaned runs of this state directory{cached} (other state "
                  "directories' runs untouched; --all for everything)")


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
app.command("cohort")(cohort_cmd.cohort)
app.command("cohort-plan")(cohort_cmd.cohort_plan)
app.command("doctor")(doctor_cmd.doctor)


if __name__ == "__main__":
    sys.exit(app())
