"""Outcomes in, points out. Pure: no Docker, no I/O."""

from __future__ import annotations

from dataclasses import replace

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


def apply_needs(exercise: Exercise, outcomes: dict[str, Outcome]) -> dict[str, Outcome]:
    """A requirement whose need does not work in its plainest form (its basic checks) is
    not graded: its own checks would only repeat that failure (0 points, and no hint that
    points at the wrong cause)."""
    out = dict(outcomes)
    for r in exercise.grading_order():
        mine = out.get(r.id)
        if mine is None or mine.status is Status.SKIPPED:  # already says why (boot, deadline)
            continue
        for need in r.needs:
            theirs = out.get(need)
            if theirs is None or theirs.serves_needs:
                continue
            why = "fails" if theirs.status in (Status.FAIL, Status.ERROR) else "was not graded"
            out[r.id] = replace(mine, status=Status.SKIPPED, fraction=None, evidence={},
                                failures=[], message=f"not graded: needs {need}, which {why}")
            break
    return out


def score(exercise: Exercise, outcomes: dict[str, Outcome],
          only: set[str] | None = None) -> Score:
    """With ``only``, the score (and pass/fail) judges the selected requirements alone."""
    counted = [r for r in exercise.requirements if only is None or r.id in only]
    earned = round(sum(points_for(r, outcomes.get(r.id)) for r in counted), 2)
    maximum = sum(r.points for r in counted)
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
