"""Throughput and tail latency of a GET/SET mix over many connections, measured with the
closed-loop driver in _load.py; the thresholds come from exercise.toml.

A machine shared with other work can stall the driver or the app for tens of
milliseconds, which lands in the p99. So a run that misses the thresholds is measured once
more, and the better run counts: a server that is really too slow misses both."""

from kata.testing import GradedApp, requirement

from ._load import LoadResult, drive

ATTEMPTS = 2


def meets(r: LoadResult, min_ops: float, max_p99: float) -> bool:
    return (r.errors == 0 and r.starved == 0 and r.ops_per_s >= min_ops
            and r.percentile(99) <= max_p99)


@requirement("load")
def test_get_set_mix_over_many_connections(app: GradedApp):
    t = app.thresholds.get("load", {})
    min_ops, max_p99 = float(t.get("min_ops_per_s", 2500)), float(t.get("max_p99_ms", 100))
    connections, seconds = int(t.get("connections", 50)), float(t.get("duration_s", 3))
    runs: list[LoadResult] = []
    for attempt in range(ATTEMPTS):
        runs.append(drive(app.host, app.port, connections=connections, duration_s=seconds,
                          seed=f"{app.seed}:{attempt}"))
        if meets(runs[-1], min_ops, max_p99) or runs[-1].errors or runs[-1].starved:
            break  # passed, or broken in a way a second run will not change
    result = max(runs, key=lambda r: (meets(r, min_ops, max_p99), r.ops_per_s))
    ops, p99, p50 = result.ops_per_s, result.percentile(99), result.percentile(50)
    def mark(ok: bool) -> str:
        return "✓" if ok else "✗"

    best = f" · better of {len(runs)} runs" if len(runs) > 1 else ""
    app.measure(
        f"{ops:,.0f} ops/s (≥ {min_ops:,.0f} {mark(ops >= min_ops)}) · p99 {p99:,.1f} ms "
        f"(≤ {max_p99:g} {mark(p99 <= max_p99)}) · p50 {p50:,.2f} ms · {connections} "
        f"connections, 80% GET / 20% SET{best}",
        ops_per_s=round(ops, 1), p99_ms=round(p99, 2), p50_ms=round(p50, 3),
        errors=result.errors, starved=result.starved, runs=len(runs))
    assert result.errors == 0, (
        f"{result.errors} wrong or missing replies under load, e.g. {result.first_error}")
    assert result.starved == 0, (
        f"{result.starved} of {connections} connections got no reply at all during the "
        f"{seconds:g} s of load: serve every connection concurrently")
    assert ops >= min_ops, (
        f"{ops:,.0f} ops/s over {connections} connections, below {min_ops:,.0f}: never block "
        "the server while handling one command (no sleeps, no blocking I/O, no lock held "
        "across clients)")
    assert p99 <= max_p99, (
        f"p99 latency {p99:,.1f} ms over {connections} connections, above {max_p99:g} ms: "
        "some commands wait far longer than the rest")
