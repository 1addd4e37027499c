"""The columns every text rendering shows, so the terminal, Markdown and HTML agree."""

from __future__ import annotations

from kata.leaderboard.ranking import Board, Standing, tiebreaker_label

FIRST_TIEBREAK = 5  # the tiebreakers' columns follow "#, learner, score, %, passed"


def columns(board: Board) -> list[str]:
    score = "score" if board.kind == "exercise" else "points"
    return ["#", "learner", score, "%", "passed",
            *(tiebreaker_label(t) for t in board.tiebreakers), "attempts", "date", "kata"]


def number(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"


def date(s: Standing) -> str:
    return s.date.strftime("%Y-%m-%d %H:%M UTC")


def passed(board: Board, s: Standing) -> str:
    if board.kind == "exercise":
        return "yes" if s.passed else "no"
    return f"{s.passed}/{s.of}"


def cells(board: Board, s: Standing) -> list[str]:
    return [str(s.rank), s.learner, f"{s.earned:g}/{s.max_points}", f"{s.percent:g}",
            passed(board, s), *(number(v) for v in s.tiebreaks), str(s.attempts), date(s),
            s.kata_version]
