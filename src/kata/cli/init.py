"""`kata init`: put the ready GitHub workflow (and a kata.toml) into a learner's repo."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import typer
from rich.console import Console

from kata.cli._shared import catalog_or_none, edge
from kata.errors import UsageError
from kata.github import DEFAULT_ACTION, WORKFLOW_PATH, workflow

out = Console()


def _exercise_from_kata_toml(repo: Path) -> str | None:
    cfg = repo / "kata.toml"
    if not cfg.is_file():
        return None
    try:
        data = tomllib.loads(cfg.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise UsageError(f"{cfg} is not valid TOML: {e}", "fix kata.toml") from None
    return data.get("exercise")


@edge
def init(
    exercise: str | None = typer.Argument(
        None, help="exercise id or week alias (default: the exercise kata.toml names)"),
    repo: Path = typer.Argument(Path("."), help="the learner's repository"),
    action: str = typer.Option(os.environ.get("KATA_ACTION", DEFAULT_ACTION), "--action",
                               help="the Action to use: <owner>/kata@<version>"),
    force: bool = typer.Option(False, "--force", help="overwrite an existing workflow"),
) -> None:
    """Write .github/workflows/kata.yml (and kata.toml if missing) into REPO."""
    if not repo.is_dir():
        raise UsageError(f"{repo} is not a folder", "pass the folder of your repository")
    exercise = exercise or _exercise_from_kata_toml(repo)
    if not exercise:
        raise UsageError("which exercise does this repository solve?",
                         "run `kata init <exercise-id>`; `kata list` shows the ids")
    catalog = catalog_or_none()
    if catalog is not None:
        catalog.resolve(exercise)  # an unknown id is a usage error naming the known ones
    if "/" not in action or "@" not in action:
        raise UsageError(f"--action {action!r} is not <owner>/<repo>@<version>",
                         "e.g. --action my-org/kata@v1")
    target = repo / WORKFLOW_PATH
    if target.exists() and not force:
        raise UsageError(f"{target} already exists", "pass --force to overwrite it")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(workflow(exercise, action), encoding="utf-8")
    out.print(f"wrote {target}")
    toml = repo / "kata.toml"
    if not toml.exists() and not exercise.startswith("week"):
        toml.write_text(f'exercise = "{exercise}"\n', encoding="utf-8")
        out.print(f"wrote {toml}")
    if action == DEFAULT_ACTION:
        out.print(f"[yellow]note:[/] replace {DEFAULT_ACTION} with where your course publishes "
                  "kata (or pass --action, or set KATA_ACTION)")
    out.print("commit both files and push: the run's summary shows your scorecard")
