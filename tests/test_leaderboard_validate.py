"""What `kata leaderboard import` refuses, and what it must still take: forged points,
dates and sizes are refused file by file; kata's own reports (a null measurement, a
partial grade) import or are left out as documented."""

from __future__ import annotations

import json
import resource
import time
from datetime import UTC, datetime

import pytest
from _cohort import write_home
from _reports import make_report
from typer.testing import CliRunner

from kata.catalog import load_catalog
from kata.cli.main import app
from kata.leaderboard import open_store
from kata.leaderboard.validate import MAX_REPORT_BYTES, Refused, problems, read_report

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
CI = {"provider": "github", "repository": "ann/rest-api", "repository_owner": "ann",
      "run_id": "77", "run_attempt": "1", "job": "grade", "sha": "a" * 40}


@pytest.fixture
def catalog(tmp_path):
    return load_catalog(write_home(tmp_path / "home"))


def forged(**changes) -> dict:
    data = json.loads(make_report("rest-api", "mallory", 80).model_dump_json())
    for path, value in changes.items():
        target = data
        *parents, last = path.split(".")
        for p in parents:
            target = target[int(p)] if p.isdigit() else target[p]
        target[last] = value
    return data


def check(data: dict, catalog) -> list[str]:
    from kata.report import Report

    return problems(Report.model_validate(data), catalog, NOW)


def test_a_report_kata_wrote_passes(catalog):
    assert check(forged(), catalog) == []


@pytest.mark.parametrize("changes, reason", [
    # the forged report ranked #1 before: 99999/120
    ({"score.earned": 99999, "score.percent": 99999.0}, "not the sum of its requirements"),
    ({"requirements.0.points_earned": 99999, "score.earned": 99999, "score.percent": 99999.0},
     "99999 of 100 points"),
    ({"requirements.0.points_earned": -1000, "score.earned": -1000, "score.percent": -1000.0,
      "score.passed": False}, "-1000 of 100 points"),
    ({"requirements.0.points_max": 500, "requirements.0.points_earned": 500,
      "score.earned": 500, "score.max": 500}, "worth 100, not 500"),
    ({"run.started_at": "2099-01-01T00:00:00Z"}, "graded in the future"),
    ({"score.passed": False}, "'passed' does not follow"),
    ({"score.percent": 100.0}, "is not 80 of 100"),
    ({"requirements.0.id": "bonus"}, "'bonus' is not one of rest-api's"),
    ({"exercise_id": "made-up"}, "not in this kata's catalog"),
])
def test_forged_reports_are_refused_with_the_reason(catalog, changes, reason):
    found = check(forged(**changes), catalog)
    assert any(reason in f for f in found), found


def test_a_huge_file_is_refused_before_it_is_read(tmp_path):
    big = tmp_path / "forged-huge.json"
    with big.open("wb") as f:  # 200 MB, sparse: what was read would show in RSS
        f.truncate(200 * 1024 * 1024)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.monotonic()
    with pytest.raises(Refused, match="larger than a kata report"):
        read_report(big)
    assert time.monotonic() - start < 1.0
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 20 * 1024  # KiB
    nested = tmp_path / "forged-nested.json"
    nested.write_text("[" * (MAX_REPORT_BYTES // 2))
    with pytest.raises(Refused):
        read_report(nested)


def _kata(*args: str):
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "250"})


def test_import_takes_each_file_on_its_own(tmp_path, monkeypatch):
    monkeypatch.setenv("KATA_HOME", str(write_home(tmp_path / "home")))
    folder = tmp_path / "in"
    folder.mkdir()
    # kata's own reports: a measurement with no value (p99 when no request succeeded:
    # NaN in memory, null in JSON), and a --only grade
    real = make_report("rest-api", "ann", 80, ci=CI,
                       measurements={"load": {"p99_ms": float("nan"), "rps": 0.0}})
    (folder / "a-real.json").write_text(real.model_dump_json(indent=2))
    assert '"p99_ms": null' in (folder / "a-real.json").read_text()
    only = make_report("rest-api", "bob", 0)
    only.partial = True
    (folder / "b-only.json").write_text(only.model_dump_json())
    (folder / "c-forged.json").write_text(json.dumps(forged(**{
        "requirements.0.points_earned": 99999, "score.earned": 99999})))
    (folder / "d-junk.json").write_text("{not json")
    result = _kata("leaderboard", "import", "--db", str(tmp_path / "r.db"), str(folder))
    assert result.exit_code == 2, result.output
    assert "imported 1 new result(s) from 1 report(s)" in result.output
    assert "left out" in result.output and "b-only.json: graded with --only" in result.output
    assert "c-forged.json: requirement 'main': 99999 of 100 points" in result.output
    assert "d-junk.json: not a JSON file" in result.output
    with open_store(tmp_path / "r.db") as s:
        [entry] = s.entries()
    assert (entry.learner, entry.measurement("p99_ms"), entry.measurement("rps")) == (
        "ann", None, 0.0)


def test_a_forged_report_cannot_squat_the_real_ones_key(tmp_path, monkeypatch):
    """The same provenance (repository, run, commit) in a forged report imported first:
    the real report still imports, and each import of the same file changes nothing."""
    monkeypatch.setenv("KATA_HOME", str(write_home(tmp_path / "home")))
    db = str(tmp_path / "r.db")
    squat = make_report("rest-api", "ann", 10, ci=CI, run_id="same")
    real = make_report("rest-api", "ann", 90, ci=CI, run_id="same")
    (tmp_path / "squat.json").write_text(squat.model_dump_json())
    (tmp_path / "real.json").write_text(real.model_dump_json())
    for name, new in [("squat.json", 1), ("real.json", 1), ("real.json", 0)]:
        result = _kata("leaderboard", "import", "--db", db, str(tmp_path / name))
        assert result.exit_code == 0 and f"imported {new} new" in result.output, result.output
    board = json.loads(_kata("leaderboard", "--db", db, "-f", "json").output)
    [exercise] = [b for b in board["boards"] if b["kind"] == "exercise"]
    assert [(s["learner"], s["earned"]) for s in exercise["standings"]] == [("ann", 90)]


def test_the_catalog_pass_mark_and_title_count_not_the_reports(tmp_path, monkeypatch):
    monkeypatch.setenv("KATA_HOME", str(write_home(tmp_path / "home")))
    data = forged(**{"score.pass_mark": 0, "exercise_title": "<b>Mine</b>"})
    (tmp_path / "r.json").write_text(json.dumps({**data, "score": {**data["score"],
                                                                     "passed": True}}))
    db = str(tmp_path / "r.db")
    assert _kata("leaderboard", "import", "--db", db, str(tmp_path / "r.json")).exit_code == 0
    with open_store(db) as s:
        [entry] = s.entries()
    assert (entry.pass_mark, entry.exercise_title) == (70, "Rest Api")


def test_a_partial_grade_is_not_recorded(tmp_path):
    from kata.cli import leaderboard

    only = make_report(learner="ann")
    only.partial = True
    assert leaderboard.record(str(tmp_path / "g.db"), [only], None) == 0
    with open_store(tmp_path / "g.db") as s:
        assert s.entries() == []


def test_the_suite_check_finds_a_report_that_would_not_import():
    """The session check in conftest.py (tests/_report_check.py) can fail. (Its files are
    kept out of pytest's temporary folder, which that check reads at the end.)"""
    import tempfile
    from pathlib import Path

    from _report_check import refused_reports

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "good.json").write_text(make_report().model_dump_json())
        (folder / "kata-report.json").write_text(json.dumps(forged(**{"score.earned": 1})))
        (folder / "forged-on-purpose.json").write_text(json.dumps(forged(**{"score.max": 1})))
        (folder / "other.json").write_text('{"not": "a report"}')
        refused = refused_reports(folder)
    assert refused and all("kata-report.json: " in r for r in refused), refused
    assert any("total 1 is not the sum" in r for r in refused)
