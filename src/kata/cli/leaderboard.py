"""`kata leaderboard`: rank recorded grades; `kata leaderboard import`: gather the JSON
reports that GitHub Action runs upload. `kata grade --record` calls ``record`` here."""

from __future__ import annotations

import json
from collections.abc import Sequence
from enum import Enum
from pathlib import Path

import typer
from pydantic import ValidationError
from rich.console import Console

from kata.catalog import Catalog
from kata.cli._shared import catalog_or_none, edge
from kata.errors import UsageError, invalid_field
from kata.leaderboard import Entry, build_boards, entry_from_report, open_store
from kata.leaderboard.ranking import select
from kata.leaderboard.render_html import render_html
from kata.leaderboard.render_json import render_json
from kata.leaderboard.render_markdown import render_markdown
from kata.leaderboard.render_terminal import render_terminal
from kata.report import SCHEMA_VERSION, Report

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
                learner: str | None = None) -> list[Entry]:
    return [entry_from_report(r, _week_of(catalog, r.exercise_id), learner) for r in reports]


def record(target: str, reports: Sequence[Report], catalog: Catalog | None) -> int:
    """Record graded reports (one transaction); returns how many were new."""
    with open_store(target) as store:
        new = store.record(entries_for(reports, catalog))
    err.print(f"recorded {new} result(s) in {store.where}")
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


def read_report(path: Path) -> Report:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise UsageError(f"{path}: not a JSON file ({e})",
                         "pass JSON reports written by `kata grade --json`") from None
    version = str(data.get("schema_version", "")) if isinstance(data, dict) else ""
    if version.split(".")[0] != SCHEMA_VERSION.split(".")[0]:
        raise UsageError(f"{path}: not a kata report of schema {SCHEMA_VERSION} "
                         f"(schema_version {version or 'missing'})",
                         "import reports written by `kata grade --json` of this kata version")
    try:
        return Report.model_validate(data)
    except ValidationError as e:
        raise UsageError(f"{path}: {invalid_field(e)}",
                         "the file is not a kata JSON report") from None


@app.command("import")
@edge
def import_(
    ctx: typer.Context,
    files: list[Path] = typer.Argument(..., help="JSON reports (or folders of them)"),
    db: str | None = typer.Option(None, "--db", envvar="KATA_DB",
                                     help="results file (SQLite) or postgresql:// URL"),
    learner: str | None = typer.Option(None, help="record every report under this name"),
) -> None:
    """Import JSON reports (e.g. GitHub Action artifacts); a re-import changes nothing.

    Each report is keyed by the run that made it (repository, run id, attempt, job and
    exercise; or kata's run id), so a report imported twice is recorded once."""
    target = db or (ctx.obj or {}).get("db") or DEFAULT_DB
    paths = _report_files(files)
    if not paths:
        raise UsageError("no JSON reports found", "pass report files or folders holding them")
    reports = [read_report(p) for p in paths]
    catalog = catalog_or_none()
    unknown = sorted({r.exercise_id for r in reports if _week_of(catalog, r.exercise_id) is None})
    if unknown:
        err.print(f"[yellow]note:[/] no week known for {', '.join(unknown)} (not in this "
                  "kata's catalog); they rank per exercise and overall only")
    with open_store(target) as store:
        new = store.record(entries_for(reports, catalog, learner))
    out.print(f"imported {new} new result(s) from {len(reports)} report(s) into {store.where}"
              + (f"; {len(reports) - new} already recorded" if new < len(reports) else ""))
