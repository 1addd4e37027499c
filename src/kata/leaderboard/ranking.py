"""Ranking: entries in, boards out. Pure — no store, no printing.

* An exercise board ranks each learner's best result: the highest score, then the
  tiebreakers the exercise declares (``tiebreakers = [{ measurement = "p95_ms" }]``),
  and among exact ties the one who got there first is listed first (same rank).
* A week board and the overall board add up each learner's best points per exercise
  (an exercise not attempted counts 0), then rank by points, then exercises passed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal, TypeVar

from kata.catalog.models import Tiebreaker
from kata.leaderboard.entry import Entry

_T = TypeVar("_T")

Kind = Literal["overall", "week", "exercise"]


@dataclass(frozen=True)
class Standing:
    rank: int
    learner: str
    earned: float
    max_points: int
    percent: float
    passed: int  # exercises passed (0 or 1 on an exercise board)
    of: int  # exercises on the board
    tiebreaks: tuple[float | None, ...]  # the declared tiebreakers' values (exercise boards)
    date: datetime  # when the best result was graded (the latest of them, on a total)
    kata_version: str
    attempts: int
    source: str = ""
    commit: str = ""
    run_url: str = ""


@dataclass(frozen=True)
class Board:
    id: str  # "overall", "week-3", "exercise-rest-api": stable, used as HTML ids and JSON keys
    kind: Kind
    title: str
    week: int | None
    exercise_id: str | None
    tiebreakers: tuple[Tiebreaker, ...]
    standings: tuple[Standing, ...]


def tiebreaker_label(t: Tiebreaker) -> str:
    return f"{t.measurement} ({'lower' if t.order == 'asc' else 'higher'} wins)"


def _tb_key(value: float | None, order: str) -> tuple[bool, float]:
    if value is None:
        return (True, 0.0)  # no measurement: after everyone who has one
    return (False, value if order == "asc" else -value)


def _values(e: Entry, tiebreakers: Sequence[Tiebreaker]) -> tuple[float | None, ...]:
    return tuple(e.measurement(t.measurement, t.requirement) for t in tiebreakers)


def _merit(e: Entry, tiebreakers: Sequence[Tiebreaker]) -> tuple:
    """What ranks an entry: equal merit, equal rank."""
    vals = _values(e, tiebreakers)
    return (-e.percent, -e.earned,
            *(_tb_key(v, t.order) for v, t in zip(vals, tiebreakers)))


def _ranked(items: list[_T], merit: Callable[[_T], Any]) -> list[tuple[int, _T]]:
    """Competition ranking (1, 1, 3) over items already sorted best first."""
    out, rank, prev = [], 0, None
    for i, item in enumerate(items, start=1):
        m = merit(item)
        if m != prev:
            rank, prev = i, m
        out.append((rank, item))
    return out


def best_entries(entries: Iterable[Entry], tiebreakers: Sequence[Tiebreaker]) -> dict[str, Entry]:
    """Each learner's best entry for one exercise."""
    best: dict[str, Entry] = {}
    for e in entries:
        cur = best.get(e.learner)
        key = (_merit(e, tiebreakers), e.graded_at, e.key)
        if cur is None or key < (_merit(cur, tiebreakers), cur.graded_at, cur.key):
            best[e.learner] = e
    return best


def exercise_board(exercise_id: str, entries: Sequence[Entry],
                   tiebreakers: Sequence[Tiebreaker] = ()) -> Board:
    tbs = tuple(tiebreakers)
    attempts: dict[str, int] = defaultdict(int)
    for e in entries:
        attempts[e.learner] += 1
    best = sorted(best_entries(entries, tbs).values(),
                  key=lambda e: (_merit(e, tbs), e.graded_at, e.learner))
    latest = max(entries, key=lambda e: e.graded_at)
    standings = tuple(
        Standing(rank=rank, learner=e.learner, earned=e.earned, max_points=e.max_points,
                 percent=e.percent, passed=int(e.passed), of=1, tiebreaks=_values(e, tbs),
                 date=e.graded_at, kata_version=e.kata_version, attempts=attempts[e.learner],
                 source=e.source, commit=e.commit, run_url=e.run_url)
        for rank, e in _ranked(best, lambda e: _merit(e, tbs))
    )
    return Board(id=f"exercise-{exercise_id}", kind="exercise",
                 title=f"{exercise_id} — {latest.exercise_title}", week=latest.week,
                 exercise_id=exercise_id, tiebreakers=tbs, standings=standings)


def total_board(board_id: str, kind: Kind, title: str, week: int | None,
                boards: Sequence[Board]) -> Board:
    """Points added up over exercise boards; an exercise a learner did not attempt is 0."""
    rows: dict[str, list[Standing]] = defaultdict(list)
    for b in boards:
        for s in b.standings:
            rows[s.learner].append(s)
    max_total = sum(max(s.max_points for s in b.standings) for b in boards if b.standings)
    totals = []
    for learner, ss in rows.items():
        earned = round(sum(s.earned for s in ss), 2)
        latest = max(ss, key=lambda s: s.date)
        totals.append(Standing(
            rank=0, learner=learner, earned=earned, max_points=max_total,
            percent=round(100.0 * earned / max_total, 1) if max_total else 0.0,
            passed=sum(s.passed for s in ss), of=len(boards), tiebreaks=(), date=latest.date,
            kata_version=latest.kata_version, attempts=sum(s.attempts for s in ss)))

    def merit(s: Standing) -> tuple:
        return (-s.earned, -s.passed)

    totals.sort(key=lambda s: (merit(s), s.date, s.learner))
    standings = tuple(
        replace(s, rank=rank) for rank, s in _ranked(totals, merit)
    )
    return Board(id=board_id, kind=kind, title=title, week=week, exercise_id=None,
                 tiebreakers=(), standings=standings)


def build_boards(entries: Iterable[Entry],
                 tiebreakers: Mapping[str, Sequence[Tiebreaker]] | None = None) -> list[Board]:
    """Overall first; then per week its total and its exercises; then exercises of no
    known week."""
    tiebreakers = tiebreakers or {}
    by_exercise: dict[str, list[Entry]] = defaultdict(list)
    for e in entries:
        by_exercise[e.exercise_id].append(e)
    ex_boards = [exercise_board(ex, es, tiebreakers.get(ex, ()))
                 for ex, es in sorted(by_exercise.items())]
    if not ex_boards:
        return []
    weeks = sorted({b.week for b in ex_boards if b.week is not None})
    out = [total_board("overall", "overall", "Overall", None, ex_boards)]
    for w in weeks:
        in_week = [b for b in ex_boards if b.week == w]
        out.append(total_board(f"week-{w}", "week", f"Week {w}", w, in_week))
        out += in_week
    out += [b for b in ex_boards if b.week is None]
    return out


def select(boards: Sequence[Board], week: int | None = None,
           exercise: str | None = None) -> list[Board]:
    """The boards of one week (its total and exercises), or of one exercise."""
    if exercise is not None:
        return [b for b in boards if b.exercise_id == exercise]
    if week is not None:
        return [b for b in boards if b.week == week]
    return list(boards)
