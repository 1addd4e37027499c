"""bench/bench_ci.py reads a CI run's log and its verification's reports: the parts that
read the log and add up overlapping gradings, on made-up input."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "bench" / "bench_ci.py"


@pytest.fixture(scope="module")
def bench_ci():
    spec = importlib.util.spec_from_file_location("bench_ci", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_ci"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    yield module
    del sys.modules["bench_ci"]


LOG = """\
..........
============================= slowest 25 durations =============================
1331.02s setup    tests/test_variants.py::test_variant_scores_exactly[rest-api-reference]
412.50s call     tests/test_cli.py::test_something_slow
12.00s setup    tests/test_variants.py::test_only_gives_the_full_grades_verdict[kv-store-x]
========== 1078 passed, 3 skipped in 2993.12s (0:49:53) ==========
"""


def test_the_log_gives_pytest_time_and_the_variant_tests_wait(bench_ci):
    seconds, counts, waited = bench_ci.pytest_figures(LOG)
    assert seconds == pytest.approx(2993.12)
    assert counts == "1078 passed, 3 skipped"
    assert waited == pytest.approx(1343.02)  # setups of variant tests only, not the call


def test_the_quiet_summary_line_is_read_too(bench_ci):  # pytest -q prints no rule
    line = "1 failed, 1079 passed in 3430.33s (0:57:10)"
    seconds, counts, _ = bench_ci.pytest_figures(f"...\n{line}\n")
    assert (seconds, counts) == (pytest.approx(3430.33), "1 failed, 1079 passed")


def test_a_log_without_a_summary_is_refused(bench_ci):
    with pytest.raises(SystemExit, match="no pytest summary"):
        bench_ci.pytest_figures("lint ok\n")


def test_busy_seconds_clips_each_grading_to_the_window(bench_ci):
    g = bench_ci.Grading
    found = [g("a", "reference", 0, 10, {}), g("a", "m1", 5, 10, {}), g("b", "r", 30, 5, {})]
    assert bench_ci.busy_seconds(found, 0, 10) == 15  # 10 of the first, 5 of the second
    assert bench_ci.busy_seconds(found, 10, 40) == 10  # 5 of the second, all of the third


def test_gate_waits_add_up_each_exercise_s_lines_in_the_grading_logs(bench_ci, tmp_path):
    (tmp_path / "kv-store").mkdir()
    (tmp_path / "kv-store" / "log-0.txt").write_text(
        "kv-store/reference: ok 14.2 s (at the gate 3.5 s)\n"
        "a warning a grade printed\n"
        "kv-store/reference:only: graded 9.0 s (at the gate 0.5 s)\n")
    (tmp_path / "kv-store" / "log-1.txt").write_text(
        "kv-store/no-ttl: NOT OK 12.0 s (at the gate 1.0 s, 0.25 s of it to measure)\n"
        "kv-store/no-px: ok 11.0 s (at the gate 2.0 s, 1.5 s of it to measure; alone 3.5 s)\n")
    assert bench_ci.gate_waits(tmp_path) == {"kv-store": pytest.approx((7.0, 1.75))}
    # the time alone as the gate counted it, where the log says it
    assert bench_ci.held_alone(tmp_path) == {("kv-store", "no-px"): 3.5}


def test_it_waits_on_the_variant_tests_the_session_runs_last(bench_ci):
    import conftest  # tests/, on the path as for every test here

    assert set(bench_ci.VARIANT_TESTS) == set(conftest.VARIANT_TESTS)


def test_alone_is_the_load_phase_and_the_measured_contract_checks(bench_ci):
    from types import SimpleNamespace

    from kata.catalog import load_catalog

    exercise = load_catalog().get("task-scheduler")  # on-time, retries, throughput: timed
    report = SimpleNamespace(requirements=[
        SimpleNamespace(id=rid, duration_s=s) for rid, s in
        (("submit", 1.0), ("on-time", 5.0), ("retries", 4.0), ("throughput", 2.0))])
    phases = {"build": 1.5, "load": 8.0, "contract": 12.0}
    assert bench_ci.alone_seconds(exercise, report, phases) == pytest.approx(8.0 + 11.0)
