"""Load SLOs and results, pure: bounds relative to the reference, the ramp between full
and zero marks, the learner-facing line, the generator's saturation, the child's output."""

from __future__ import annotations

import json

import pytest

from kata.outcomes import Status
from kata.stages import _slo
from kata.stages.load import GeneratorFailed, generator_cpu, load_outcome, parse_result, saturated

REST_API = {  # as in exercises/rest-api/exercise.toml
    "p95_ms": {"max": {"ref": 3.0, "plus": 20}, "zero": {"ref": 8.0, "plus": 60, "cap": 250}},
    "rps": {"min": {"ref": 0.5}, "zero": {"ref": 0.2}},
    "error_rate": {"max": 0.005, "zero": 0.05},
}
REFERENCE = {"p95_ms": 18.0, "rps": 600.0, "error_rate": 0.0, "p50_ms": 6.0, "p99_ms": 30.0}


def stats(p95=41.0, rps=612.0, failures=0, requests=6000, **extra) -> dict:
    return {"p95_ms": p95, "rps": rps, "requests": requests, "failures": failures,
            "error_rate": failures / requests, "p50_ms": 9.0, "p99_ms": 60.0,
            "cpu_samples": [[0, 0], [6, 1.5]], **extra}


def test_bounds_resolve_relative_to_the_reference_and_clamp():
    assert _slo.Bound(ref=3, plus=20).resolve(18) == 74
    assert _slo.Bound(value=0.005).resolve(None) == 0.005
    assert _slo.Bound(ref=8, plus=60, cap=250).resolve(40) == 250
    assert _slo.Bound(ref=3, plus=0, floor=50).resolve(5) == 50
    with pytest.raises(_slo.SLOInvalid):
        _slo.Bound(ref=3).resolve(None)


def test_full_marks_within_the_bound_a_ramp_to_zero_beyond():
    p95 = _slo.parse_slos({"p95_ms": REST_API["p95_ms"]})[0]
    assert _slo.assess(p95, 74, 18).fraction == 1.0  # 3 × 18 + 20, on the bound
    assert _slo.assess(p95, 75, 18).fraction < 1.0
    half = (74 + 204) / 2  # halfway to the zero bound 8 × 18 + 60
    assert _slo.assess(p95, half, 18).fraction == pytest.approx(0.5)
    assert _slo.assess(p95, 204, 18).fraction == 0.0
    assert _slo.assess(p95, 900, 18).fraction == 0.0
    rps = _slo.parse_slos({"rps": REST_API["rps"]})[0]
    assert _slo.assess(rps, 300, 600).fraction == 1.0
    assert _slo.assess(rps, 210, 600).fraction == pytest.approx(0.5)
    assert _slo.assess(rps, 100, 600).fraction == 0.0


def test_a_cap_on_the_zero_bound_wins_over_a_looser_full_bound():
    p95 = _slo.parse_slos({"p95_ms": REST_API["p95_ms"]})[0]
    slow_machine = 90.0  # full bound 3 × 90 + 20 = 290 > the cap of 250
    v = _slo.assess(p95, 260, slow_machine)
    assert v.full == 250 and v.fraction == 0.0
    assert _slo.assess(p95, 240, slow_machine).fraction == 1.0


def test_the_weakest_slo_decides():
    slos = _slo.parse_slos(REST_API)
    results = _slo.evaluate(slos, {"p95_ms": 30, "rps": 700, "error_rate": 0.06}, REFERENCE)
    assert [v.met for v in results] == [True, True, False]
    assert _slo.fraction(results) == 0.0


@pytest.mark.parametrize("bad, why", [
    ({"p95_ms": {"min": 5}}, "lower is better"),
    ({"rps": {"max": 5}}, "higher is better"),
    ({"p95_ms": {"max": 5, "min": 1}}, "either max"),
    ({"p95_ms": {"max": {"factor": 3}}}, "unknown keys"),
    ({"p95_ms": {"max": {"plus": 3}}}, "needs `ref`"),
    ({"p95_ms": 50}, "expected"),
])
def test_malformed_slos_say_what_is_wrong(bad, why):
    with pytest.raises(_slo.SLOInvalid, match=why):
        _slo.parse_slos(bad)


def test_other_thresholds_are_not_slos():
    assert _slo.parse_slos({"max_boot_s": 5, "checks": ["x"]}) == []


def test_the_scorecard_line_and_the_reference_beside_it():
    slos = _slo.parse_slos(REST_API)
    ref = {"p95_ms": 11.0, "rps": 600.0, "error_rate": 0.0}
    results = _slo.evaluate(slos, {"p95_ms": 41, "rps": 612, "error_rate": 0.0}, ref)
    assert _slo.line(results) == (
        "p95 41 ms (≤ 53 ms ✓) · 612 req/s (≥ 300 ✓) · 0.0% errors (≤ 0.5% ✓)")
    assert _slo.reference_line(results) == (
        "reference here: p95 11 ms (yours 3.7×, ≤ 3× + 20 ms ✓) · "
        "600 req/s (yours 1.0×, ≥ 0.5× ✓) · 0.0% errors")


def test_a_passing_outcome_carries_both_sets_of_figures():
    o = load_outcome("performance", _slo.parse_slos(REST_API), stats(), REFERENCE)
    assert o.status is Status.PASS and o.fraction == 1.0
    m = o.measurements
    assert (m["p95_ms"], m["rps"], m["ref_p95_ms"], m["ref_rps"]) == (41.0, 612.0, 18.0, 600.0)
    assert m["bound_p95_ms"] == 74 and m["bound_rps"] == 300
    assert m["generator_cpu_pct"] == 25.0
    assert o.message.splitlines()[0].startswith("p95 41 ms (≤ 74 ms ✓)")


def test_a_failing_outcome_points_at_the_slow_endpoint():
    endpoints = [{"name": "GET /items", "method": "GET", "requests": 300, "failures": 0,
                  "p95_ms": 310.0},
                 {"name": "GET /items/{id}", "method": "GET", "requests": 900, "failures": 0,
                  "p95_ms": 12.0}]
    o = load_outcome("performance", _slo.parse_slos(REST_API), stats(p95=310, rps=130,
                                                              endpoints=endpoints), REFERENCE)
    assert o.status is Status.FAIL and o.fraction == 0.0
    assert "p95 310 ms (≤ 74 ms ✗)" in o.message
    assert "slowest: GET /items p95 310 ms (300 requests)" in o.message


def test_absolute_slos_need_no_reference():
    slos = _slo.parse_slos({"p95_ms": {"max": 100}, "error_rate": {"max": 0.01}})
    o = load_outcome("fast", slos, stats(p95=41), None)
    assert o.status is Status.PASS and "reference" not in o.message


# -- the generator -------------------------------------------------------------------------
def test_generator_cpu_and_saturation_from_samples():
    busy = {"cpu_samples": [[0.0, 0.0], [1.0, 0.97], [2.0, 1.95], [6.0, 5.8]]}
    idle = {"cpu_samples": [[0.0, 0.0], [1.0, 0.2], [6.0, 1.3]]}
    assert generator_cpu(busy["cpu_samples"]) == pytest.approx(96.7, abs=0.1)
    assert saturated(busy, 90) == "97% CPU"
    assert saturated(idle, 90) is None
    assert generator_cpu([]) == 0.0
    starved = {**idle, "loop_lag_ms": {"p50": 80.0, "p95": 200.0, "n": 100}}
    assert saturated(starved, 90, 50) == "its event loop ran 80 ms late, 22% CPU"
    assert saturated({**idle, "loop_lag_ms": {"p50": 3.0}}, 90, 50) is None


def test_the_childs_result_line_is_found_among_its_logs():
    result = {"requests": 200, "failures": 3, "rps": 100.0, "p95_ms": 20.0}
    out = "some locust log\nKATA-LOAD-RESULT " + json.dumps(result) + "\n"
    parsed = parse_result(out)
    assert parsed["error_rate"] == 0.015 and parsed["rps"] == 100.0
    with pytest.raises(GeneratorFailed, match="exited with code 1"):
        parse_result("", "Traceback …\nImportError: no module named x", 1)
