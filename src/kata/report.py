"""The grade report: the one data shape every reporter reads. Its JSON is versioned
(``schema_version``); ``kata schema`` prints the JSON schema, pinned by a test."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from kata.diagnoses import Diagnosis

SCHEMA_VERSION = "1.0"


class RequirementResult(BaseModel):
    id: str
    title: str
    grader: str
    points_max: int
    points_earned: float
    status: Literal["pass", "fail", "error", "skipped"]
    message: str = ""
    hint: str = ""
    hidden: bool = False
    evidence: dict[str, str] = {}
    # Every failing check (check, message, request, response, replay…); evidence is the first.
    failures: list[dict[str, str]] = []
    kata_fault: bool = False  # the grader itself broke: a bug in kata, not the learner's
    measurements: dict[str, float] = {}
    duration_s: float = 0.0


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

    @property
    def graded(self) -> bool:
        return self.problem is None

    @property
    def kata_faults(self) -> list[RequirementResult]:
        """Requirements whose grader broke: kata's bug, so the grade exits 4."""
        return [r for r in self.requirements if r.kata_fault]
