"""One recorded grade: the few facts the leaderboard ranks on, plus the whole report.

``run_key`` is a hash of the report itself, its provenance (repository, commit, run id)
included: recording or importing the same report twice gives the same key, and the store
keeps the first, so a re-import changes nothing; and no other report can take that key
(one derived from fields a report declares could be claimed by a forged report first).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import PurePath

from kata.report import Report


@dataclass(frozen=True)
class Entry:
    key: str
    learner: str
    exercise_id: str
    exercise_title: str
    exercise_version: str
    week: int | None
    earned: float
    max_points: int
    percent: float
    pass_mark: int
    passed: bool
    graded_at: datetime  # when the grading started, UTC
    kata_version: str
    source: str = ""  # the repository: owner/name on GitHub, else the folder graded
    commit: str = ""
    run_url: str = ""
    # requirement id -> measurement name -> value (what tiebreakers read)
    measurements: dict[str, dict[str, float | None]] = field(default_factory=dict)
    report: str = field(default="", repr=False, compare=False)  # the full JSON report

    def measurement(self, name: str, requirement: str | None = None) -> float | None:
        if requirement is not None:
            return self.measurements.get(requirement, {}).get(name)
        for values in self.measurements.values():
            if values.get(name) is not None:
                return values[name]
        return None


def run_key(report: Report) -> str:
    """``sha256:`` of the report's provenance and its whole content."""
    ci = report.run.ci
    provenance = "\n".join([ci.get("repository", ""), ci.get("sha") or report.repo_commit or "",
                            ci.get("run_id", ""), ci.get("run_attempt", ""), report.run.id])
    content = report.model_dump_json()
    return "sha256:" + hashlib.sha256(f"{provenance}\n{content}".encode()).hexdigest()


def learner_of(report: Report) -> str:
    """The name given at grading time, else the GitHub repository's owner, else the folder."""
    ci = report.run.ci
    return (report.learner or ci.get("repository_owner") or ci.get("actor")
            or PurePath(report.repo_path).name or "unknown")


def entry_from_report(report: Report, week: int | None, learner: str | None = None,
                      pass_mark: int | None = None, title: str | None = None) -> Entry:
    """``pass_mark`` and ``title``: the catalog's, for an imported report (whose own could
    be anything, e.g. a --pass-mark 0 grade)."""
    started = report.run.started_at
    if started.tzinfo is None:
        started = started.replace(tzinfo=UTC)
    ci = report.run.ci
    return Entry(
        key=run_key(report),
        learner=learner or learner_of(report),
        exercise_id=report.exercise_id,
        exercise_title=title or report.exercise_title,
        exercise_version=report.exercise_version,
        week=week,
        earned=report.score.earned,
        max_points=report.score.max,
        percent=report.score.percent,
        pass_mark=report.score.pass_mark if pass_mark is None else pass_mark,
        passed=(report.score.passed if pass_mark is None
                else report.score.percent >= pass_mark) and report.problem is None,
        graded_at=started.astimezone(UTC),
        kata_version=report.kata_version,
        # a cohort's job graded the learner's repository at its own commit, not the run's
        source=ci.get("graded_repository") or ci.get("repository") or report.repo_path,
        commit=((report.repo_commit or "") if ci.get("graded_repository")
                else ci.get("sha") or report.repo_commit or ""),
        run_url=ci.get("run_url", ""),
        measurements={r.id: dict(r.measurements) for r in report.requirements if r.measurements},
        report=report.model_dump_json(),
    )
