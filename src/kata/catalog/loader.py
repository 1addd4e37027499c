"""Reading exercise folders. A malformed file is one clear error naming file and field."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from kata.catalog.models import Exercise
from kata.errors import ExerciseInvalid, UsageError, invalid_field

EXERCISE_FILE = "exercise.toml"
FORMAT_PAGE = "docs/exercise-format.md"  # in the kata checkout (KATA_HOME)


def default_home() -> Path:
    """Where exercises/ and graders/ live: $KATA_HOME, else the checkout kata runs from."""
    env = os.environ.get("KATA_HOME")
    if env:
        return Path(env).resolve()
    return Path(__file__).resolve().parents[3]


def load_exercise(folder: Path) -> Exercise:
    path = folder / EXERCISE_FILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ExerciseInvalid(f"{path}: missing", f"add {EXERCISE_FILE} to {folder}") from None
    except tomllib.TOMLDecodeError as e:
        raise ExerciseInvalid(f"{path}: not valid TOML: {e}", "fix the TOML syntax") from None
    try:
        exercise = Exercise.model_validate({**data, "root": folder.resolve()})
    except ValidationError as e:
        raise ExerciseInvalid(
            f"{path}: {invalid_field(e)}",
            f"correct that field; the format is described in {FORMAT_PAGE}",
        ) from None
    if exercise.id != folder.name:
        raise ExerciseInvalid(
            f"{path}: field 'id': {exercise.id!r} differs from its folder name {folder.name!r}",
            "name the folder after the exercise id",
        )
    return exercise


@dataclass(frozen=True)
class Catalog:
    home: Path
    exercises: dict[str, Exercise]

    def get(self, exercise_id: str) -> Exercise:
        try:
            return self.exercises[exercise_id]
        except KeyError:
            known = ", ".join(sorted(self.exercises)) or "none"
            raise UsageError(
                f"no exercise named {exercise_id!r}", f"run `kata list`; known: {known}"
            ) from None

    def week(self, n: int) -> list[Exercise]:
        """Weeks 7–8, 9–10 and 11–12 are pairs in the roadmap: either number names the pair."""
        paired = {7: 8, 8: 7, 9: 10, 10: 9, 11: 12, 12: 11}
        weeks = {n, paired.get(n, n)}
        return [e for e in self.exercises.values() if e.week in weeks]

    def resolve(self, name: str) -> list[Exercise]:
        """An exercise id, or a week alias (``week3``) standing for that week's exercises."""
        if name.startswith("week") and name[4:].isdigit():
            found = self.week(int(name[4:]))
            if not found:
                raise UsageError(f"{name} has no exercises yet", "run `kata list`")
            return found
        return [self.get(name)]

    def grader_dir(self, exercise: Exercise) -> Path:
        return self.home / "graders" / exercise.id.replace("-", "_")


def load_catalog(home: Path | None = None) -> Catalog:
    home = home or default_home()
    root = home / "exercises"
    if not root.is_dir():
        raise ExerciseInvalid(
            f"no exercises folder at {root}", "set KATA_HOME to the kata checkout"
        )
    exercises = {}
    for folder in sorted(p for p in root.iterdir() if (p / EXERCISE_FILE).exists()):
        ex = load_exercise(folder)
        exercises[ex.id] = ex
    return Catalog(home=home, exercises=exercises)
