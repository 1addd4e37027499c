"""Synthetic grade reports for the leaderboard and GitHub tests (no Docker)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from kata.report import Report, RequirementResult, RunInfo, Score

T0 = datetime(2024, 5, 6, 9, 0, tzinfo=UTC)
_ids = itertools.count(1)


def make_report(
    exercise_id: str = "rest-api",
    learner: str | None = "alice",
    earned: float = 80,
    max_points: int = 100,
    pass_mark: int = 70,
    minutes: float = 0,
    measurements: dict[str, dict[str, float]] | None = None,
    ci: dict[str, str] | None = None,
    run_id: str | None = None,
    failed: tuple[tuple[str, str], ...] = (),
    title: str = "",
    kata_version: str = "0.1.0",
) -> Report:
    """A report whose requirements add up to ``earned``; ``failed`` = (id, message) pairs."""
    reqs = [RequirementResult(id=rid, title=f"{rid} works", grader="contract", points_max=10,
                              points_earned=0, status="fail", message=msg, hint=f"fix {rid}")
            for rid, msg in failed]
    rest = max_points - 10 * len(failed)
    reqs.insert(0, RequirementResult(
        id="main", title="the main thing", grader="contract", points_max=rest,
        points_earned=earned, status="pass",
        measurements=(measurements or {}).get("main", {})))
    for rid, values in (measurements or {}).items():
        if rid != "main":
            reqs.append(RequirementResult(id=rid, title=rid, grader="load", points_max=0,
                                          points_earned=0, status="pass", measurements=values))
    percent = round(100 * earned / max_points, 1)
    return Report(
        kata_version=kata_version,
        exercise_id=exercise_id,
        exercise_version="1.0.0",
        exercise_title=title or exercise_id.replace("-", " ").title(),
        repo_path=f"/home/{learner or 'someone'}/{exercise_id}",
        repo_commit="c0ffee",
        learner=learner,
        run=RunInfo(id=run_id or f"run{next(_ids):06d}",
                    started_at=T0 + timedelta(minutes=minutes), host="test", ci=ci or {}),
        seed=1,
        score=Score(earned=earned, max=max_points, percent=percent, pass_mark=pass_mark,
                    passed=percent >= pass_mark),
        requirements=reqs,
    )
