"""What a report must be for the leaderboard to import it.

An imported report is a file someone hands in: nothing proves kata wrote it, so what can
be checked is checked before it ranks anyone —

* its size, before it is parsed (a 200 MB file once took 1 GB to import);
* the report schema (``Report``) of this kata's major schema version;
* its arithmetic: each requirement's points between 0 and its maximum, the total their
  sum, the percentage and the verdict the ones those points give;
* the catalog: the exercise is one this kata knows, each requirement is the exercise's
  with the exercise's maximum, and the report's maximum is the exercise's;
* its date is not in the future.

A report graded with ``--only`` is partial: not a grade, so it is never ranked.
``docs/leaderboard.md`` says what all this still cannot prove.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pydantic import ValidationError

from kata.catalog import Catalog
from kata.errors import invalid_field
from kata.report import SCHEMA_VERSION, Report

# The reports kata writes are tens of kilobytes (logs and evidence are capped); this
# leaves room for a large exercise and keeps parsing bounded (about 5x in memory).
MAX_REPORT_BYTES = 8 * 1024 * 1024
CLOCK_SKEW = timedelta(minutes=5)  # a grading machine's clock a little ahead of ours
POINTS_EPSILON = 0.011  # points are rounded to 2 decimals, their sum again


class Refused(Exception):
    """A report the leaderboard does not import; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def read_report(path: Path, max_bytes: int = MAX_REPORT_BYTES) -> Report:
    """The report in ``path``, read only if it is small enough to be one."""
    try:
        if not path.is_file():
            raise Refused("not a regular file")
        size = path.stat().st_size
        if size > max_bytes:
            raise Refused(f"{size} bytes: larger than a kata report can be "
                          f"({max_bytes // (1024 * 1024)} MB)")
        with path.open("rb") as f:
            raw = f.read(max_bytes + 1)  # the file may have grown since stat
    except OSError as e:
        raise Refused(f"cannot read it ({e.strerror})") from None
    if len(raw) > max_bytes:
        raise Refused(f"larger than a kata report can be ({max_bytes // (1024 * 1024)} MB)")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise Refused(f"not a JSON file ({e})") from None
    except RecursionError:
        raise Refused("not a JSON report (nested too deeply)") from None
    version = str(data.get("schema_version", "")) if isinstance(data, dict) else ""
    if version.split(".")[0] != SCHEMA_VERSION.split(".")[0]:
        raise Refused(f"not a kata report of schema {SCHEMA_VERSION} "
                      f"(schema_version {version or 'missing'})")
    try:
        return Report.model_validate(data)
    except ValidationError as e:
        raise Refused(f"not a kata report: {invalid_field(e)}") from None


def problems(report: Report, catalog: Catalog | None, now: datetime,
             allow_unknown: bool = False) -> list[str]:
    """Why ``report`` cannot be ranked; empty when nothing was found."""
    found: list[str] = []
    ids = [r.id for r in report.requirements]
    if len(set(ids)) != len(ids):
        found.append("a requirement is listed twice")
    for r in report.requirements:
        if r.points_max < 0 or not 0 <= r.points_earned <= r.points_max:
            found.append(f"requirement {r.id!r}: {r.points_earned:g} of {r.points_max} points")
    s = report.score
    # an --only grade scores the selected requirements only (never ranked: is_partial)
    counted = [r for r in report.requirements if not (
        is_partial(report) and r.message.startswith("not selected (--only)"))]
    earned = round(sum(r.points_earned for r in counted), 2)
    maximum = sum(r.points_max for r in counted)
    if abs(s.earned - earned) > POINTS_EPSILON:
        found.append(f"total {s.earned:g} is not the sum of its requirements ({earned:g})")
    if s.max != maximum:
        found.append(f"maximum {s.max} is not the sum of its requirements' ({maximum})")
    percent = round(100.0 * s.earned / s.max, 1) if s.max > 0 else 0.0
    if abs(s.percent - percent) > 0.051:
        found.append(f"{s.percent:g}% is not {s.earned:g} of {s.max} ({percent:g}%)")
    if not 0 <= s.pass_mark <= 100 or s.passed != (s.percent >= s.pass_mark):
        found.append(f"'passed' does not follow from {s.percent:g}% and pass mark {s.pass_mark}%")
    started = report.run.started_at
    if started.tzinfo is None:
        started = started.replace(tzinfo=UTC)
    if started > now + CLOCK_SKEW:
        found.append(f"graded in the future ({started.isoformat()})")
    exercise = catalog.exercises.get(report.exercise_id) if catalog is not None else None
    if exercise is None:
        if not allow_unknown:
            found.append(f"exercise {report.exercise_id!r} is not in this kata's catalog, so "
                         "its points cannot be checked (--allow-unknown imports it anyway)")
        return found
    points = {r.id: r.points for r in exercise.requirements}
    for r in report.requirements:
        if r.id not in points:
            found.append(f"requirement {r.id!r} is not one of {exercise.id}'s")
        elif r.points_max != points[r.id]:
            found.append(f"requirement {r.id!r} is worth {points[r.id]}, not {r.points_max}")
    if s.max != exercise.max_points and not is_partial(report):
        found.append(f"{exercise.id} is worth {exercise.max_points} points, not {s.max}")
    return found


def is_partial(report: Report) -> bool:
    """Graded with ``--only`` (reports written before the ``partial`` flag say so in their
    notes and in the requirements' messages)."""
    return (report.partial or any(n.startswith("--only:") for n in report.notes)
            or any(r.message == "not selected (--only)" for r in report.requirements))
