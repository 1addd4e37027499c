from kata.history import delta


def _summary(earned, **reqs):
    return {"earned": earned, "requirements": {
        rid: {"status": status, "measurements": m} for rid, (status, m) in reqs.items()}}


def test_delta_names_what_changed():
    before = _summary(70, pagination=("fail", {}), load=("pass", {
        "p95_ms": 38, "ref_p95_ms": 30, "rps": 600, "ref_rps": 700}), create=("pass", {}))
    after = _summary(85, pagination=("pass", {}), load=("pass", {
        "p95_ms": 71, "ref_p95_ms": 31, "rps": 610, "ref_rps": 690}), create=("pass", {}))
    d = delta(before, after)
    assert d.points == 15 and d.now_pass == ["pagination"] and d.now_fail == []
    assert d.regressed == [("p95_ms", 38, 71)] and d.improved == []
    assert d.line("rest-api") == ("+15 since last run: rest-api.pagination now passes; "
                                  "rest-api.p95_ms regressed 38 → 71")


def test_a_verdict_that_flips_is_named_both_ways():
    before = _summary(50, a=("pass", {}), b=("fail", {}))
    after = _summary(50, a=("fail", {}), b=("pass", {}))
    assert delta(before, after).line("x") == "+0 since last run: x.b now passes; x.a now fails"


def test_throughput_up_is_an_improvement():
    before = _summary(50, load=("fail", {"ops_per_s": 1000, "ref_ops_per_s": 3000}))
    after = _summary(40, load=("fail", {"ops_per_s": 2000, "ref_ops_per_s": 3000}))
    d = delta(before, after)
    assert d.improved == [("ops_per_s", 1000, 2000)] and d.regressed == []
    assert d.line("kv").startswith("-10 since last run")


def test_a_move_within_the_references_own_spread_is_not_a_change():
    # the reference itself went 30 → 45 ms between the runs (+50%): the learner's +40% is
    # the machine, not the learner's code; +60% would be beyond it
    before = _summary(100, load=("pass", {"p95_ms": 40, "ref_p95_ms": 30}))
    within = _summary(100, load=("pass", {"p95_ms": 56, "ref_p95_ms": 45}))
    beyond = _summary(100, load=("pass", {"p95_ms": 64, "ref_p95_ms": 45}))
    assert delta(before, within).regressed == []
    assert delta(before, beyond).regressed == [("p95_ms", 40, 64)]


def test_a_spread_the_calibration_measured_counts_too():
    before = _summary(100, load=("pass", {"p95_ms": 40, "ref_p95_ms": 30, "spread_p95_ms": 0.5}))
    after = _summary(100, load=("pass", {"p95_ms": 56, "ref_p95_ms": 30, "spread_p95_ms": 0.5}))
    assert delta(before, after).regressed == []


def test_internal_metrics_and_figures_without_a_reference_are_never_reported():
    before = _summary(100, performance=("pass", {
        "p95_ms": 10, "ref_p95_ms": 9, "bound_p95_ms": 47, "generator_cpu_pct": 20,
        "generator_lag_ms": 1, "requests": 3000, "boot_s": 1.0, "p99_ms": 10}))
    after = _summary(100, performance=("pass", {
        "p95_ms": 10, "ref_p95_ms": 20, "bound_p95_ms": 80, "generator_cpu_pct": 90,
        "generator_lag_ms": 40, "requests": 9000, "boot_s": 5.0, "p99_ms": 90}))
    d = delta(before, after)
    assert d.regressed == [] and d.improved == []
    assert d.line("x") == "+0 since last run"


def test_a_few_milliseconds_of_jitter_is_not_a_regression():
    before = _summary(100, performance=("pass", {"p50_ms": 4, "ref_p50_ms": 4,
                                                 "p95_ms": 40, "ref_p95_ms": 40}))
    after = _summary(100, performance=("pass", {"p50_ms": 8, "ref_p50_ms": 4,
                                                "p95_ms": 60, "ref_p95_ms": 40}))
    assert delta(before, after).regressed == [("p95_ms", 40, 60)]
