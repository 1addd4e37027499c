"""The grade report: the one data shape every reporter reads. Its JSON is versioned
(``schema_version``); ``kata schema`` prints the JSON schema, pinned by a test."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, field_validator

SCHEMA_VERSION = "1.0"


class Diagnosis(BaseModel):
    """A named cause (``diagnoses.py`` finds them), as the report carries it."""

    id: str
    message: str
    fix: str


class RequirementResult(BaseModel):
    id: str
    title: str
    grader: str
    points_max: int
    points_earned: float
    status: Literal["pass", "fail", "error", "skipped"]
    message: str = ""
    hint: str = ""
    tip: str = ""  # the hint in the words of the repo's stack (Report.stack), when known
    hidden: bool = False
    evidence: dict[str, str] = {}
    # Every failing check (check, message, request, response, replay…); evidence is the first.
    failures: list[dict[str, str]] = []
    kata_fault: bool = False  # the grader itself broke: a bug in kata, not the learner's
    # None: nothing to measure (e.g. a percentile when no operation succeeded). JSON has no
    # NaN or infinity: pydantic writes them as null, so they are None here too.
    measurements: dict[str, float | None] = {}
    duration_s: float = 0.0

    @field_validator("measurements")
    @classmethod
    def _finite(cls, values: dict[str, float | None]) -> dict[str, float | None]:
        return {k: v if v is None or math.isfinite(v) else None for k, v in values.items()}


class Score(BaseModel):
    earned: float
    max: int
    percent: float
    pass_mark: int
    passed: bool


class Problem(BaseModel):
    """Why the repository could not be graded (the learner's side). ``kind`` is the named
    diagnosis when one matched (e.g. listens-on-localhost), else the raw failure kind."""

    kind: str
    message: str
    fix: str = ""
    log_tail: str = ""
    detail: str = ""  # what kata observed, when a diagnosis rephrased it


class Phase(BaseModel):
    name: str
    duration_s: float
    ok: bool = True


class RunInfo(BaseModel):
    """What identifies this grading run, so importing a report twice changes nothing."""

    id: str
    started_at: datetime
    host: str = ""
    ci: dict[str, str] = {}  # e.g. GitHub repository, run id, sha


class Report(BaseModel):
    schema_version: str = SCHEMA_VERSION
    kata_version: str
    exercise_id: str
    exercise_version: str
    exercise_title: str
    repo_path: str
    repo_commit: str | None = None
    repo_dirty: bool = False  # the work tree had uncommitted changes when it was graded
    stack: str | None = None  # kata.stack id recognised from the repo's files
    learner: str | None = None
    run: RunInfo
    seed: int
    score: Score
    requirements: list[RequirementResult]
    phases: list[Phase] = []
    image_size_bytes: int | None = None
    boot_seconds: float | None = None
    problem: Problem | None = None
    diagnoses: list[Diagnosis] = []  # seen in the app's log even though it was graded
    container_log_tail: str = ""
    notes: list[str] = Field(default_factory=list)
    # Graded with --only: most requirements not graded, so not a grade to rank.
    partial: bool = False
    # kata, the graders' libraries, Python and the Docker engine that produced this report
    versions: dict[str, str] = {}

    @property
    def kata_faults(self) -> list[RequirementResult]:
        """Requirements whose grader broke: kata's bug, so the grade exits 4."""
        return [r for r in self.requirements if r.kata_fault]
