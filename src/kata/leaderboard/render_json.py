"""The leaderboard as JSON for machines: every board, every standing, raw values."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime

from kata import __version__, sanitise
from kata.leaderboard.ranking import Board, tiebreaker_label

FORMAT = "kata.leaderboard/1"


def to_data(boards: Sequence[Board], generated_at: datetime | None = None) -> dict:
    when = generated_at or datetime.now(UTC)
    return {
        "format": FORMAT,
        "kata_version": __version__,
        "generated_at": when.isoformat(),
        "boards": [
            {
                "id": b.id,
                "kind": b.kind,
                "title": b.title,
                "week": b.week,
                "exercise_id": b.exercise_id,
                "tiebreakers": [{"measurement": t.measurement, "order": t.order,
                                 "requirement": t.requirement, "label": tiebreaker_label(t)}
                                for t in b.tiebreakers],
                "standings": [
                    {
                        "rank": s.rank,
                        "learner": s.learner,
                        "earned": s.earned,
                        "max": s.max_points,
                        "percent": s.percent,
                        "passed": s.passed,
                        "of": s.of,
                        "tiebreaks": {t.measurement: v for t, v in zip(b.tiebreakers, s.tiebreaks)},
                        "date": s.date.isoformat(),
                        "kata_version": s.kata_version,
                        "attempts": s.attempts,
                        **({"source": s.source, "commit": s.commit, "run_url": s.run_url}
                           if b.kind == "exercise" else {}),
                    }
                    for s in b.standings
                ],
            }
            for b in boards
        ],
    }


def render_json(boards: Sequence[Board], generated_at: datetime | None = None) -> str:
    """Names come from reports: C1 and bidi controls are written as escapes (same value)."""
    return sanitise.json(json.dumps(to_data(boards, generated_at), indent=2, ensure_ascii=False))
