"""A real Redis is the ceiling of the kv-store grader: graded like a learner's repo, it
must score every point. A requirement it fails is a bug in the grader (a test that wants
something Redis does not do), not in Redis."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_exercises import grade_folder

REPO = Path(__file__).parent / "fixtures" / "repos" / "real-redis"


def _explain(report) -> str:
    lines = [f"{r.id}: {r.status} {r.message}" for r in report.requirements]
    if report.problem:
        lines.append(f"problem: {report.problem.message}\n{report.problem.log_tail}")
    return "\n".join(lines)


@pytest.mark.docker
@pytest.mark.slow
def test_real_redis_scores_full_marks():
    report = grade_folder("kv-store", REPO)
    assert report.problem is None, _explain(report)
    assert [r.id for r in report.requirements if r.status != "pass"] == [], _explain(report)
    assert report.score.earned == report.score.max, _explain(report)
    load = next(r for r in report.requirements if r.id == "load")
    assert load.measurements["ops_per_s"] > 0
