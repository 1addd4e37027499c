"""`kata leaderboard`: rank recorded grades; `kata leaderboard import`: gather the JSON
reports that GitHub Action runs upload. `kata grade --record` calls ``record`` here."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path

import typer
from rich.console import Console
from rich.text import Text

from kata.catalog import Catalog
from kata.cli._shared import catalog_or_none, edge
from kata.errors import ExitCode, UsageError
from kata.leaderboard import Entry, build_boards, entry_from_report, open_store
from kata.leaderboard.ranking import select
from kata.leaderboard.render_html import render_html
from kata.leaderboard.render_json import render_json
from kata.leaderboard.render_markdown import render_markdown
from kata.leaderboard.render_terminal import render_terminal
from kata.leaderboard.validate import Refused, is_partial, problems, read_report
from kata.report import Report
from kata.sanitise import terminal

DEFAULT_DB = "results.db"
out = Console()
err = Console(stderr=True)

app = typer.Typer(
    help="Rank the recorded grades per exercise, per week and overall (best score, then the "
    "exercise's tiebreakers).",
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class Format(str, Enum):
    table = "table"
    markdown = "markdown"
    json = "json"
    html = "html"


SUFFIX_FORMAT = {".md": Format.markdown, ".markdown": Format.markdown, ".json": Format.json,
                 ".html": Format.html, ".htm": Format.html}


def _week_of(catalog: Catalog | None, exercise_id: str) -> int | None:
    if catalog is None or exercise_id not in catalog.exercises:
        return None
    return catalog.exercises[exercise_id].week


def entries_for(reports: Sequence[Report], catalog: Catalog | None,
                learner: str | None = None, imported: bool = False) -> list[Entry]:
    """``imported``: the exercise's own pass mark and title count, not the report's."""
    def entry(r: Report) -> Entry:
        ex = catalog.exercises.get(r.exercise_id) if catalog is not None else None
        if imported and ex is not None:
            return entry_from_report(r, ex.week, learner, ex.pass_mark, ex.title)
        return entry_from_report(r, _week_of(catalog, r.exercise_id), learner)

    return [entry(r) for r in reports]


def record(target: str, reports: Sequence[Report], catalog: Catalog | None) -> int:
    """Record graded reports (one transaction); returns how many were new. A partial
    grade (--only) is not recorded: it is not a grade to rank."""
    whole = [r for r in reports if not is_partial(r)]
    if len(whole) < len(reports):
        err.print("not recorded: a grade made with --only is partial")
    if not whole:
        return 0
    with open_store(target) as store:
        new = store.record(entries_for(whole, catalog))
    err.print(Text(f"recorded {new} result(s) in {terminal(store.where)}"))
    return new


@app.callback(invoke_without_command=True)
@edge
def show(
    ctx: typer.Context,
    db: str = typer.Option(DEFAULT_DB, "--db", envvar="KATA_DB",
                           help="results file (SQLite) or postgresql:// URL"),
    fmt: Format | None = typer.Option(None, "--format", "-f",
                                         help="table, markdown, json or html "
                                         "(default: from --out's suffix, else table)"),
    out_path: Path | None = typer.Option(None, "--out", "-o", help="write here, not stdout"),
    week: int | None = typer.Option(None, help="only this week's boards"),
    exercise: str | None = typer.Option(None, help="only this exercise's board"),
) -> None:
    """Rank learners per exercise, per week and overall."""
    ctx.obj = {"db": db}
    if ctx.invoked_subcommand is not None:
        return
    fmt = fmt or SUFFIX_FORMAT.get(out_path.suffix.lower() if out_path else "", Format.table)
    catalog = catalog_or_none()
    with open_store(db, must_exist=True) as store:
        entries = store.entries()
    tiebreakers = {i: e.tiebreakers for i, e in catalog.exercises.items()} if catalog else {}
    boards = select(build_boards(entries, tiebreakers), week=week, exercise=exercise)
    if (week is not None or exercise is not None) and not boards:
        raise UsageError(f"no results for {'week ' + str(week) if week else exercise}",
                         "run `kata leaderboard` without filters to see what is recorded")
    if fmt is Format.table:
        if out_path is None:
            out.print(render_terminal(boards))
        else:
            with out_path.open("w", encoding="utf-8") as f:
                Console(file=f, width=160, color_system=None).print(render_terminal(boards))
        return
    render = {Format.markdown: render_markdown, Format.json: render_json,
              Format.html: render_html}[fmt]
    text = render(boards)
    if out_path is None:
        typer.echo(text)
    else:
        out_path.write_text(text, encoding="utf-8")
        err.print(f"wrote {out_path}")


def _report_files(paths: Sequence[Path]) -> list[Path]:
    files: list[Path] = []
    for p in paths:
        if p.is_dir():  # e.g. a folder of downloaded artifacts
            files += sorted(f for f in p.rglob("*.json") if f.is_file())
        elif p.is_file():
            files.append(p)
        else:
            raise UsageError(f"{p} does not exist",
                             "pass JSON reports written by `kata grade --json`")
    return files


@app.command("import")
@edge
def import_(
    ctx: typer.Context,
    files: list[Path] = typer.Argument(..., help="JSON reports (or folders of them)"),
    db: str | None = typer.Option(None, "--db", envvar="KATA_DB",
                                     help="results file (SQLite) or postgresql:// URL"),
    learner: str | None = typer.Option(None, help="record every report under this name"),
    allow_unknown: bool = typer.Option(
        False, "--allow-unknown", help="also import reports of exercises this kata's catalog "
        "does not have (their points cannot be checked)"),
) -> None:
    """Import JSON reports (e.g. GitHub Action artifacts); a re-import changes nothing.

    Each file is checked on its own (size, schema, points against the catalog, date) and
    the ones refused are listed with the reason; the others are imported. A report graded
    with --only is partial and left out. Exit 0 when no file was refused, 2 when some were
    (the rest are imported either way). A report is keyed by a hash of its content and
    provenance, so importing it again changes nothing."""
    target = db or (ctx.obj or {}).get("db") or DEFAULT_DB
    paths = _report_files(files)
    if not paths:
        raise UsageError("no JSON reports found", "pass report files or folders holding them")
    catalog = catalog_or_none()
    now = datetime.now(UTC)
    refused: list[tuple[Path, str]] = []
    partial: list[Path] = []
    unknown: set[str] = set()
    new = imported = 0
    with open_store(target) as store:
        for path in paths:
            try:
                report = read_report(path)
                found = problems(report, catalog, now, allow_unknown)
                if found:
                    raise Refused("; ".join(found[:3]) + (" …" if len(found) > 3 else ""))
            except Refused as e:
                refused.append((path, e.reason))
                continue
            if is_partial(report):
                partial.append(path)
                continue
            if _week_of(catalog, report.exercise_id) is None:
                unknown.add(report.exercise_id)
            new += store.record(entries_for([report], catalog, learner, imported=True))
            imported += 1
    if unknown:
        err.print(Text(f"note: no week known for {', '.join(sorted(map(terminal, unknown)))} "
                       "(not in this kata's catalog); they rank per exercise and overall only",
                       style="yellow"))
    out.print(Text(f"imported {new} new result(s) from {imported} report(s) into {store.where}"
                   + (f"; {imported - new} already recorded" if new < imported else "")))
    for path in partial:
        out.print(Text(f"left out {terminal(str(path))}: graded with --only, a partial grade "
                       "is not ranked", style="yellow"))
    for path, reason in refused:
        out.print(Text(f"refused {terminal(str(path))}: {terminal(reason)}", style="red"))
    if refused:
        err.print(Text(f"{len(refused)} of {len(paths)} file(s) refused: see above",
                       style="bold red"))
        raise typer.Exit(int(ExitCode.USAGE))
