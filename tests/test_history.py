from kata.history import delta


def _summary(earned, **reqs):
    return {"earned": earned, "requirements": {
        rid: {"status": status, "measurements": m} for rid, (status, m) in reqs.items()}}


def test_delta_names_what_changed():
    before = _summary(70, pagination=("fail", {}), load=("pass", {"p95_ms": 38, "rps": 600}),
                      create=("pass", {}))
    after = _summary(85, pagination=("pass", {}), load=("pass", {"p95_ms": 71, "rps": 610}),
                     create=("pass", {}))
    d = delta(before, after)
    assert d.points == 15 and d.now_pass == ["pagination"] and d.now_fail == []
    assert d.regressed == [("p95_ms", 38, 71)] and d.improved == []
    assert d.line("rest-api") == ("+15 since last run: rest-api.pagination now passes; "
                                  "rest-api.p95_ms regressed 38 → 71")


def test_throughput_up_is_an_improvement_and_noise_is_ignored():
    before = _summary(50, load=("fail", {"ops_per_s": 1000, "p99_ms": 10.0}))
    after = _summary(40, load=("fail", {"ops_per_s": 2000, "p99_ms": 10.5}))
    d = delta(before, after)
    assert d.improved == [("ops_per_s", 1000, 2000)] and d.regressed == []
    assert d.line("kv").startswith("-10 since last run")


def test_reference_figures_and_bounds_are_not_the_learners_progress():
    before = _summary(100, performance=(
        "pass", {"p95_ms": 10, "ref_p95_ms": 9, "bound_p95_ms": 47}))
    after = _summary(100, performance=(
        "pass", {"p95_ms": 10, "ref_p95_ms": 20, "bound_p95_ms": 80}))
    d = delta(before, after)
    assert d.regressed == [] and d.improved == []


def test_a_millisecond_of_jitter_is_not_a_regression():
    before = _summary(100, performance=("pass", {"p50_ms": 4, "p95_ms": 40}))
    after = _summary(100, performance=("pass", {"p50_ms": 5, "p95_ms": 60}))
    assert delta(before, after).regressed == [("p95_ms", 40, 60)]
