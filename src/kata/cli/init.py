"""`kata init`: put the ready GitHub workflow (and a kata.toml) into a learner's repo."""

from __future__ import annotations

import os
from pathlib import Path

import typer
from rich.console import Console

from kata.catalog import Catalog
from kata.cli._shared import catalog_or_none, edge, pick_exercises
from kata.errors import UsageError
from kata.github import DEFAULT_ACTION, WORKFLOW_PATH, workflow
from kata.repo import DOCKERFILE_NAMES, open_repo
from kata.repoconfig import FILE

out = Console()


def _exercise_from_kata_toml(repo: Path) -> str | None:
    ids = open_repo(repo).exercises  # validated: a wrong key is exit 2 here already
    return ids[0] if len(ids) == 1 else None


def _kata_toml_for(catalog: Catalog, name: str, repo: Path) -> str | None:
    """The kata.toml the workflow's `kata grade NAME .` needs, or None when the repository
    already says enough. Refuses (exit 2) when kata cannot tell which exercise is where."""
    try:
        pick_exercises(catalog, name, repo)
        return None
    except UsageError as e:
        found = catalog.resolve(name)
        if len(found) == 1 or (repo / FILE).exists():
            raise  # a single exercise needs nothing more; an existing file is the learner's
        # A week in one repository: one folder per exercise, named for it, with a Dockerfile
        folders = [ex.id for ex in found if any((repo / ex.id / d).is_file()
                                                  for d in DOCKERFILE_NAMES)]
        if not folders:
            raise UsageError(
                f"{name} holds {', '.join(sorted(e.id for e in found))}, and {repo} does not "
                "say which it solves (no kata.toml, no folder named for an exercise)",
                f"run `kata init <exercise-id> {repo}` for a repository that solves one, or "
                "write a kata.toml with one [exercises.<id>] table per exercise's folder "
                "(`kata show kata.toml`)") from e
        return "".join(f'[exercises.{i}]\ncontext = "{i}"\n\n' for i in folders).rstrip() + "\n"


@edge
def init(
    exercise: str | None = typer.Argument(
        None, help="exercise id or week alias (default: the exercise kata.toml names)"),
    repo: Path = typer.Argument(Path("."), help="the learner's repository"),
    action: str = typer.Option(os.environ.get("KATA_ACTION", DEFAULT_ACTION), "--action",
                               help="the Action to use: <owner>/kata@<version>"),
    force: bool = typer.Option(False, "--force", help="overwrite an existing workflow"),
) -> None:
    """Write .github/workflows/kata.yml (and the kata.toml it needs, if missing) into REPO;
    refuse when kata could not tell which exercise the repository solves."""
    if not repo.is_dir():
        raise UsageError(f"{repo} is not a folder", "pass the folder of your repository")
    exercise = exercise or _exercise_from_kata_toml(repo)
    if not exercise:
        raise UsageError("which exercise does this repository solve?",
                         "run `kata init <exercise-id>`; `kata list` shows the ids")
    catalog = catalog_or_none()
    toml = repo / FILE
    needed = None
    if catalog is not None:
        catalog.resolve(exercise)  # an unknown id is a usage error naming the known ones
        needed = _kata_toml_for(catalog, exercise, repo)
    elif exercise.startswith("week") and not open_repo(repo).exercises:
        raise UsageError(f"{repo}'s kata.toml does not say which exercises of {exercise} it "
                         "solves", 'add `exercise = "<id>"` to kata.toml, or run '
                         "`kata init <exercise-id>`")
    if "/" not in action or "@" not in action:
        raise UsageError(f"--action {action!r} is not <owner>/<repo>@<version>",
                         "e.g. --action my-org/kata@v1")
    target = repo / WORKFLOW_PATH
    if target.exists() and not force:
        raise UsageError(f"{target} already exists", "pass --force to overwrite it")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(workflow(exercise, action), encoding="utf-8")
    out.print(f"wrote {target}")
    if needed is None and not toml.exists() and not exercise.startswith("week"):
        needed = f'exercise = "{exercise}"\n'
    if needed is not None:
        toml.write_text(needed, encoding="utf-8")
        out.print(f"wrote {toml}")
    if action == DEFAULT_ACTION:
        out.print(f"[yellow]note:[/] replace {DEFAULT_ACTION} with where your course publishes "
                  "kata (or pass --action, or set KATA_ACTION)")
    out.print("commit both files and push: the run's summary shows your scorecard")
