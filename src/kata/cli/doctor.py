"""`kata doctor`: propose the kata.toml that grades a repository written without kata."""

from __future__ import annotations

from pathlib import Path

import typer

from kata.cli._shared import catalog_or_none, edge
from kata.errors import UsageError
from kata.sanitise import visible


@edge
def doctor(
    repo: Path = typer.Argument(Path("."), help="the repository to read"),
    exercise: str | None = typer.Option(
        None, "--exercise", "-e",
        help="the exercise it solves (default: kata.toml's); fills in its services' facts"),
) -> None:
    """Read REPO (nothing is run) and print the kata.toml that grades it unedited, with why."""
    from kata.doctor import facts_of, propose

    if not repo.is_dir():
        raise UsageError(f"{repo} is not a folder", "pass the folder of the repository")
    exercise = exercise or _named_exercise(repo)
    facts = None
    if exercise:
        catalog = catalog_or_none()
        if catalog is not None:
            facts = facts_of(catalog.get(exercise))  # unknown: a usage error naming the ids
    proposal = propose(repo, exercise, facts)
    # plain text, never wrapped: the TOML part is meant to be copied as it is
    typer.echo(f"# kata.toml for {visible(str(repo))} (proposed by `kata doctor`; the repo is "
               "unchanged)")
    typer.echo(visible(proposal.text()), nl=False)
    if facts is None:
        typer.echo("\nnote: pass --exercise ID to fill in the exercise's service addresses")


def _named_exercise(repo: Path) -> str | None:
    """The one exercise the repo's kata.toml names, read as kata grade reads it (a bad
    key is named there, with its fix)."""
    from kata.repo import open_repo

    named = open_repo(repo).exercises
    return named[0] if len(named) == 1 else None


