"""What the command modules beside main.py share with it."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

from kata.catalog import Catalog, Exercise, load_catalog
from kata.errors import KataError, UsageError
from kata.repo import Repo, exercise_repos, open_repo
from kata.repoconfig import KataTomlInvalid, check_config, did_you_mean


def edge(fn: Callable) -> Callable:
    """``main.edge`` (KataError → message and exit code), looked up when the command runs:
    main.py imports the modules that use this, so they cannot import main at load time."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from kata.cli.main import edge as main_edge

        return main_edge(fn)(*args, **kwargs)

    return wrapper


def catalog_or_none() -> Catalog | None:
    """The exercise catalog when there is one here (a pip-installed kata has none)."""
    try:
        return load_catalog()
    except KataError:
        return None


def pick_exercises(catalog: Catalog, name: str, repo_path: Path) -> list[tuple[Exercise, Repo]]:
    """(exercise, repository as graded for it) pairs for an exercise id or a week alias,
    each checked against its kata.toml before anything starts (a wrong key is exit 2)."""
    found = catalog.resolve(name)
    ids = [e.id for e in found]
    repo = open_repo(repo_path)
    for named in repo.exercises:  # a typo in kata.toml would otherwise grade nothing
        if named not in catalog.exercises:
            raise KataTomlInvalid(
                f"kata.toml names the exercise {named!r}, which kata does not know"
                f"{did_you_mean(named, catalog.exercises)}",
                f"use one of: {', '.join(sorted(catalog.exercises))} (`kata list`)")
    pairs = [(catalog.get(i), r) for i, r in exercise_repos(repo, ids)]
    if not pairs and len(found) == 1:
        pairs = [(found[0], repo.for_exercise(found[0].id))]
    if not pairs:
        raise UsageError(
            f"{name} holds several exercises ({', '.join(sorted(ids))}) and {repo_path} does "
            "not say which it solves",
            f'add kata.toml with `exercise = "{sorted(ids)[0]}"` (or one [exercises.<id>] '
            f"table per exercise's folder) to the repo, or run "
            f"`kata grade {sorted(ids)[0]} {repo_path}`",
        )
    for ex, r in pairs:
        check_config(ex, r.app)
    return pairs
