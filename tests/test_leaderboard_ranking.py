"""Ranking is pure: entries in, boards out."""

from __future__ import annotations

import pytest
from _reports import make_report
from pydantic import ValidationError

from kata.catalog.models import Exercise, Tiebreaker
from kata.leaderboard import build_boards, entry_from_report
from kata.leaderboard.ranking import exercise_board, select

P95 = Tiebreaker(measurement="p95_ms", order="asc")


def entry(learner, earned, minutes=0, exercise="rest-api", week=1, p95=None, rps=None, **kw):
    m = {}
    if p95 is not None:
        m.setdefault("load", {})["p95_ms"] = p95
    if rps is not None:
        m.setdefault("main", {})["rps"] = rps
    return entry_from_report(make_report(exercise, learner, earned, minutes=minutes,
                                         measurements=m, **kw), week)


def ranks(board):
    return [(s.rank, s.learner) for s in board.standings]


def test_best_score_then_tiebreaker_then_first_to_get_there():
    entries = [
        entry("alice", 60, 0), entry("alice", 90, 10, p95=40), entry("alice", 85, 20, p95=5),
        entry("bob", 90, 30, p95=30),
        entry("eve", 90, 40, p95=30),  # same as bob, later: same rank, listed after
        entry("carol", 90, 5),  # no measurement: after everyone who has one
        entry("dave", 70, 1, p95=1),
    ]
    board = exercise_board("rest-api", entries, [P95])
    assert ranks(board) == [(1, "bob"), (1, "eve"), (3, "alice"), (4, "carol"), (5, "dave")]
    alice = board.standings[2]
    assert (alice.earned, alice.tiebreaks, alice.attempts) == (90, (40,), 3)
    assert board.standings[3].tiebreaks == (None,)


def test_without_tiebreakers_equal_scores_share_a_rank():
    board = exercise_board("rest-api", [entry("bob", 90, 30, p95=1), entry("ann", 90, 10),
                                        entry("cid", 50, 0)])
    assert ranks(board) == [(1, "ann"), (1, "bob"), (3, "cid")]


def test_a_higher_is_better_tiebreaker_of_a_named_requirement():
    rps = Tiebreaker(measurement="rps", order="desc", requirement="main")
    board = exercise_board("rest-api", [entry("a", 90, rps=100), entry("b", 90, rps=300),
                                        entry("c", 90, rps=200)], [rps])
    assert ranks(board) == [(1, "b"), (2, "c"), (3, "a")]
    other = Tiebreaker(measurement="rps", order="desc", requirement="load")  # nobody has it
    assert ranks(exercise_board("rest-api", [entry("a", 90, 0, rps=1), entry("b", 90, 1, rps=2)],
                                [other])) == [(1, "a"), (1, "b")]


def test_weeks_and_overall_add_best_points_and_count_missing_as_zero():
    entries = [
        entry("ann", 80, exercise="rest-api", week=1),
        entry("ann", 100, 5, exercise="rest-api", week=1),
        entry("ann", 40, exercise="todo-cli", week=1),
        entry("bob", 90, exercise="rest-api", week=1),
        entry("bob", 50, exercise="todo-cli", week=1),  # 140 and one pass, like ann, sooner
        entry("cid", 100, exercise="cache", week=2),
        entry("dee", 10, exercise="odd-one", week=None),
    ]
    boards = build_boards(entries)
    assert [b.id for b in boards] == ["overall", "week-1", "exercise-rest-api",
                                      "exercise-todo-cli", "week-2", "exercise-cache",
                                      "exercise-odd-one"]
    week1 = boards[1]
    assert [(s.rank, s.learner, s.earned, s.max_points, s.passed, s.of)
            for s in week1.standings] == [(1, "bob", 140, 200, 1, 2), (1, "ann", 140, 200, 1, 2)]
    overall = boards[0]
    assert [(s.rank, s.learner, s.earned, s.max_points) for s in overall.standings] == [
        (1, "bob", 140, 400), (1, "ann", 140, 400), (3, "cid", 100, 400), (4, "dee", 10, 400)]
    ann = overall.standings[1]
    assert (ann.percent, ann.attempts) == (35.0, 3)


def test_passed_counts_break_ties_on_totals():
    entries = [entry("ann", 75, exercise="a"), entry("ann", 25, exercise="b"),
               entry("bob", 50, exercise="a"), entry("bob", 50, exercise="b")]
    overall = build_boards(entries)[0]
    # both 100 points; ann passed a (75 ≥ 70), bob passed neither
    assert [(s.rank, s.learner, s.passed) for s in overall.standings] == [
        (1, "ann", 1), (2, "bob", 0)]


def test_select_a_week_or_an_exercise():
    boards = build_boards([entry("a", 1, exercise="x", week=1),
                           entry("a", 1, exercise="y", week=2)])
    assert [b.id for b in select(boards, week=2)] == ["week-2", "exercise-y"]
    assert [b.id for b in select(boards, exercise="x")] == ["exercise-x"]
    assert build_boards([]) == []


def test_an_exercise_declares_tiebreakers():
    base = {"id": "demo", "version": "1", "week": 1, "title": "Demo", "pass_mark": 50,
            "requirements": [{"id": "load", "title": "L", "points": 1, "grader": "boot"}]}
    ex = Exercise.model_validate({**base, "tiebreakers": [{"measurement": "p95_ms"},
                                                          {"measurement": "rps", "order": "desc",
                                                           "requirement": "load"}]})
    assert ex.tiebreakers[0] == P95 and ex.tiebreakers[1].order == "desc"
    assert Exercise.model_validate(base).tiebreakers == []
    with pytest.raises(ValidationError, match="does not exist"):
        Exercise.model_validate({**base, "tiebreakers": [{"measurement": "x",
                                                          "requirement": "nope"}]})
    with pytest.raises(ValidationError):
        Exercise.model_validate({**base, "tiebreakers": [{"measurement": "x", "order": "up"}]})
