"""Outcomes in, points out. Pure: no Docker, no I/O."""

from __future__ import annotations

from kata.catalog.models import Exercise, Requirement
from kata.outcomes import Outcome, Status
from kata.report import Score


def points_for(req: Requirement, outcome: Outcome | None) -> float:
    if outcome is None:
        return 0.0
    if outcome.status is Status.PASS:
        return float(req.points)
    if req.partial and outcome.fraction is not None and outcome.status is Status.FAIL:
        return round(req.points * min(max(outcome.fraction, 0.0), 1.0), 2)
    return 0.0


def score(exercise: Exercise, outcomes: dict[str, Outcome]) -> Score:
    earned = round(sum(points_for(r, outcomes.get(r.id)) for r in exercise.requirements), 2)
    maximum = exercise.max_points
    percent = round(100.0 * earned / maximum, 1) if maximum else 0.0
    return Score(
        earned=earned,
        max=maximum,
        percent=percent,
        pass_mark=exercise.pass_mark,
        passed=percent >= exercise.pass_mark,
    )


def ramp(value: float, full: float, zero: float) -> float:
    """Partial credit between a full-marks bound and a zero-marks bound (either direction)."""
    if full == zero:
        return 1.0 if value == full else 0.0
    share = (value - zero) / (full - zero)
    return min(max(share, 0.0), 1.0)
