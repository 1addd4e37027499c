"""The stage interface: ``(StageContext) -> list[Outcome]``, one outcome per requirement."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

from kata.catalog.models import Exercise, Requirement
from kata.errors import ExerciseInvalid
from kata.events import Handler, ignore
from kata.outcomes import Outcome
from kata.repofiles import RepoFiles
from kata.sandbox.base import AppHandle, Image, Rebuilt, ServiceHandle


@dataclass
class StageContext:
    name: str  # the grader name this stage is registered under
    exercise: Exercise
    grader_dir: Path  # graders/<exercise_id>/
    requirements: list[Requirement]  # this stage's requirements (after --only)
    app: AppHandle
    services: dict[str, ServiceHandle]
    seed: int
    image: Image | None = None
    boot_seconds: float | None = None
    ready: Callable[[], None] = lambda: None  # waits until the app answers again
    emit: Handler = ignore
    deadline: float | None = None  # time.monotonic() after which no new work starts
    # The exercise's reference solution, built and started in a sandbox of its own (with
    # its own services) for as long as the `with` lasts — what load calibration measures.
    start_reference: Callable[[], AbstractContextManager[AppHandle]] | None = None
    recalibrate: bool = False  # measure the reference again even if a calibration is cached
    files: RepoFiles | None = None  # the learner's repository, for graders of artefacts
    # a build of a changed copy of the learner's context (added files), for graders of images
    rebuild: Callable[[dict[str, str]], Rebuilt] | None = None


Stage = Callable[[StageContext], list[Outcome]]
STAGES: dict[str, Stage] = {}


def stage(name: str) -> Callable[[Stage], Stage]:
    def register(fn: Stage) -> Stage:
        STAGES[name] = fn
        return fn

    return register


def get_stage(name: str, exercise_id: str = "") -> Stage:
    try:
        return STAGES[name]
    except KeyError:
        raise ExerciseInvalid(
            f"exercise {exercise_id}: grader {name!r} does not exist",
            f"use one of: {', '.join(sorted(STAGES))}",
        ) from None
