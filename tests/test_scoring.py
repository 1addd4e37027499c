from kata.catalog.models import Exercise
from kata.outcomes import Outcome, Status
from kata.scoring import points_for, ramp, score


def _exercise(pass_mark=70):
    return Exercise.model_validate({
        "id": "x", "version": "1", "week": 1, "title": "X", "pass_mark": pass_mark,
        "requirements": [
            {"id": "a", "title": "A", "points": 60, "grader": "contract"},
            {"id": "b", "title": "B", "points": 40, "grader": "contract", "partial": True},
        ],
    })


def test_all_pass_is_full_marks():
    ex = _exercise()
    s = score(ex, {"a": Outcome("a", Status.PASS), "b": Outcome("b", Status.PASS)})
    assert (s.earned, s.max, s.percent, s.passed) == (100, 100, 100.0, True)


def test_partial_credit_only_where_declared():
    ex = _exercise()
    a = Outcome("a", Status.FAIL, fraction=0.5)
    b = Outcome("b", Status.FAIL, fraction=0.5)
    assert points_for(ex.requirement("a"), a) == 0
    assert points_for(ex.requirement("b"), b) == 20


def test_error_and_skipped_and_missing_score_nothing():
    ex = _exercise()
    b = Outcome("b", Status.ERROR, fraction=0.9)
    assert points_for(ex.requirement("b"), b) == 0
    assert points_for(ex.requirement("a"), Outcome("a", Status.SKIPPED)) == 0
    assert points_for(ex.requirement("a"), None) == 0


def test_pass_mark_is_inclusive():
    ex = _exercise(pass_mark=60)
    s = score(ex, {"a": Outcome("a", Status.PASS), "b": Outcome("b", Status.FAIL)})
    assert s.percent == 60.0 and s.passed
    ex = _exercise(pass_mark=61)
    assert not score(ex, {"a": Outcome("a", Status.PASS)}).passed


def test_ramp_both_directions():
    assert ramp(10, full=10, zero=0) == 1.0
    assert ramp(5, full=10, zero=0) == 0.5
    assert ramp(-3, full=10, zero=0) == 0.0
    # lower is better (latency): full at 50 ms, zero at 150 ms
    assert ramp(100, full=50, zero=150) == 0.5
    assert ramp(40, full=50, zero=150) == 1.0
