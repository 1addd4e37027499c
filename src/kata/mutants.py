"""Mutants: small edits to an exercise's reference solution, each breaking one requirement.

``exercises/<id>/mutants/<name>.toml``::

    description = "create answers 200 instead of 201"
    breaks = ["create"]            # the requirement ids this mutant must lose, no others

    [[edit]]
    file = "app/main.py"           # relative to reference/
    old = "status_code=201"        # must occur exactly once in the file
    new = "status_code=200"

Edits are exact text replacements, not diffs, so a mutant reads as what it changes and
breaks loudly (naming the file and text) when the reference drifts from it.
"""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from kata.catalog.models import Exercise
from kata.errors import ExerciseInvalid


class Edit(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    file: str
    old: str
    new: str


class Mutant(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str
    description: str
    breaks: list[str]
    edit: list[Edit]


def load_mutants(exercise: Exercise) -> list[Mutant]:
    mutants = []
    for path in sorted(exercise.mutants_path.glob("*.toml")):
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
            mutant = Mutant.model_validate({**data, "name": path.stem})
        except (tomllib.TOMLDecodeError, ValidationError) as e:
            raise ExerciseInvalid(f"{path}: {e}", "fix the mutant file") from None
        unknown = [r for r in mutant.breaks if r not in {q.id for q in exercise.requirements}]
        if unknown:
            raise ExerciseInvalid(
                f"{path}: field 'breaks': unknown requirement ids {unknown}",
                "name requirement ids from exercise.toml",
            )
        mutants.append(mutant)
    return mutants


def materialize(exercise: Exercise, mutant: Mutant, dest: Path) -> Path:
    """Copy the reference to ``dest`` and apply the mutant's edits there."""
    shutil.copytree(exercise.reference_path, dest, dirs_exist_ok=True)
    for edit in mutant.edit:
        target = dest / edit.file
        text = target.read_text(encoding="utf-8")
        if text.count(edit.old) != 1:
            raise ExerciseInvalid(
                f"mutant {exercise.id}/{mutant.name}: {edit.old!r} occurs "
                f"{text.count(edit.old)} times in {edit.file}, expected once",
                "update the mutant to match the reference",
            )
        target.write_text(text.replace(edit.old, edit.new), encoding="utf-8")
    return dest
