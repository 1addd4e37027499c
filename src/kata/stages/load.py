"""Load: the exercise's locust profile against the learner's app, scored by SLOs stated
relative to the reference solution measured the same way on this machine.

Options, ``[graders.load]`` in exercise.toml::

    locustfile = "locustfile.py"   # in graders/<id>/: the request mix
    users = 10                     # concurrent users (closed loop)
    spawn_rate = 10
    warmup_s = 1                   # after spawning, before measuring
    duration_s = 6                 # measured seconds
    max_requests = 30000           # the run stops at this many measured requests
    saturation_pct = 90            # generator CPU at which a result is not scored
    saturation_lag_ms = 50         # … or its event loop's median lateness

SLOs are each requirement's thresholds (see ``_slo``). locust runs headless in a child
process (``_locust_child``): its gevent monkey-patching must not touch this one. Traffic
goes only to the app kata started (its address on kata's network), bounded in users,
requests and seconds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from typing import Any

from kata import __version__
from kata import calibration as cal
from kata._locust_child import MARKER
from kata.catalog.graders import LoadOptions
from kata.errors import ExerciseInvalid, KataError
from kata.events import LogLine
from kata.outcomes import Outcome, Status
from kata.stages import _slo
from kata.stages.registry import StageContext, stage
from kata.stages.schema import revive

FIGURES = ("p50_ms", "p95_ms", "p99_ms", "rps", "error_rate")


# The short profile: what a grade whose load verdict is not in question (a mutant that
# declares no loss under load) measures. Long enough to catch an app that falls over or
# crawls under load, relative to the reference measured with the same short profile.
SHORT_WARMUP_S = 1.0
SHORT_DURATION_S = 3.0


def short_profile(opts: LoadOptions) -> LoadOptions:
    """``[graders.load]`` with the warm-up and measured time cut to the short profile (never
    lengthened); the calibration is keyed by the profile, so the reference is measured
    with the same one."""
    return opts.model_copy(update={"warmup_s": min(opts.warmup_s, SHORT_WARMUP_S),
                                   "duration_s": min(opts.duration_s, SHORT_DURATION_S)})


# -- running the generator --------------------------------------------------------------
class GeneratorFailed(KataError):
    """The load generator itself broke (a bad locustfile, a crash): kata's side."""


def run_profile(host: str, locustfile: str, opts: LoadOptions) -> dict[str, Any]:
    """Run the profile against ``host`` in a child process; its final stats as a dict."""
    spec = {**opts.profile(), "locustfile": locustfile, "host": host}
    budget = opts.warmup_s + opts.duration_s + 30 + 30  # spawning, start-up and shut-down
    with tempfile.TemporaryDirectory(prefix="kata-load-") as cwd:
        try:
            done = subprocess.run(
                [sys.executable, "-m", "kata._locust_child", json.dumps(spec)],
                check=False, capture_output=True, text=True, timeout=budget, cwd=cwd,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        except subprocess.TimeoutExpired:
            raise GeneratorFailed(f"the load generator did not finish within {budget:.0f} s",
                                  "check the locustfile (a task that never returns?)") from None
    return parse_result(done.stdout, done.stderr, done.returncode)


def parse_result(stdout: str, stderr: str = "", code: int = 0) -> dict[str, Any]:
    """The child's ``KATA-LOAD-RESULT {json}`` line, with the figures SLOs use added."""
    for row in reversed(stdout.splitlines()):
        if row.startswith(MARKER):
            stats = json.loads(row[len(MARKER):])
            n = stats.get("requests", 0)
            stats["error_rate"] = (stats.get("failures", 0) / n) if n else 1.0
            return stats
    tail = "\n".join((stderr or stdout).strip().splitlines()[-8:])
    raise GeneratorFailed(f"the load generator exited with code {code} and no result:\n{tail}",
                          "run the locustfile by hand with `locust -f … --headless` to see why")


def generator_cpu(samples: list[list[float]]) -> float:
    """The generator's CPU use over the measured window, in percent of one core, from its
    (seconds since start, CPU seconds since start) samples. Pure."""
    if len(samples) < 2:
        return 0.0
    (t0, c0), (t1, c1) = samples[0], samples[-1]
    return 100.0 * (c1 - c0) / (t1 - t0) if t1 > t0 else 0.0


def saturated(stats: dict[str, Any], limit_pct: float, limit_lag_ms: float = 50.0) -> str | None:
    """Why the generator, not the app, was the bottleneck ("97% CPU", "event loop 80 ms
    late"), or None. Pure."""
    pct = generator_cpu(stats.get("cpu_samples", []))
    if pct >= limit_pct:
        return f"{pct:.0f}% CPU"
    lag = float(stats.get("loop_lag_ms", {}).get("p50", 0.0))
    if lag >= limit_lag_ms:
        return f"its event loop ran {lag:.0f} ms late, {pct:.0f}% CPU"
    return None


def figures(stats: dict[str, Any]) -> dict[str, float]:
    return {k: float(stats.get(k, 0.0)) for k in FIGURES}


# -- calibration --------------------------------------------------------------------------
def _basis(ctx: StageContext, opts: LoadOptions, locustfile: str) -> dict[str, Any]:
    ex = ctx.exercise
    return {
        "kata": __version__,
        "exercise": ex.id,
        "exercise_version": ex.version,
        "reference": cal.folder_digest(ex.reference_path),
        "profile": opts.profile(),
        "locustfile": cal.file_digest(ctx.grader_dir / opts.locustfile),
        "limits": ex.limits.model_dump(),
        "host": cal.host_facts(),
        "locust_path": os.path.basename(locustfile),
    }


def _measure_reference(ctx: StageContext, opts: LoadOptions, locustfile: str,
                       ) -> tuple[dict[str, float], dict[str, Any]]:
    if ctx.start_reference is None:
        raise KataError(f"exercise {ctx.exercise.id}: its load SLOs are relative to the "
                        "reference solution, and this grade cannot start it",
                        "state absolute SLOs, or grade with the Docker sandbox")
    ctx.emit(LogLine("load", "calibrating: the reference solution under the same load"))
    with ctx.start_reference() as ref_app:
        stats = run_profile(ref_app.address.url, locustfile, opts)
    why = saturated(stats, opts.saturation_pct, opts.saturation_lag_ms)
    if why is not None:
        raise cal.NotCalibrated(f"load generator saturated ({why}) while measuring the "
                                "reference: no calibration")
    return figures(stats), {"endpoints": stats.get("endpoints", []),
                            "generator_cpu_pct": round(generator_cpu(stats["cpu_samples"]), 1)}


def _calibrate(ctx: StageContext, opts: LoadOptions, locustfile: str,
               ) -> tuple[cal.Calibration, bool]:
    """The reference's figures on this machine: cached, or measured now (and cached)."""
    basis = _basis(ctx, opts, locustfile)
    key = cal.calibration_key(basis)
    calibration, fresh = cal.calibrated(
        key, basis, lambda: _measure_reference(ctx, opts, locustfile), force=ctx.recalibrate)
    return calibration, fresh


# -- verdicts ----------------------------------------------------------------------------
def load_outcome(rid: str, slos: list[_slo.SLO], stats: dict[str, Any],
          reference: dict[str, float] | None) -> Outcome:
    """One requirement's outcome from the learner's and the reference's figures. Pure."""
    mine = figures(stats)
    results = _slo.evaluate(slos, mine, reference)
    share = _slo.fraction(results)
    measured = {k: round(v, 4 if k == "error_rate" else 2) for k, v in mine.items()}
    for v in results:
        measured[f"bound_{v.slo.metric}"] = round(v.full, 4)
    for k, figure in (reference or {}).items():
        measured[f"ref_{k}"] = round(figure, 4 if k == "error_rate" else 2)
    measured["generator_cpu_pct"] = round(generator_cpu(stats.get("cpu_samples", [])), 1)
    measured["generator_lag_ms"] = float(stats.get("loop_lag_ms", {}).get("p50", 0.0))
    measured["requests"] = float(stats.get("requests", 0))
    message = _slo.line(results)
    if ref_line := _slo.reference_line(results):
        message += f"\n{ref_line}"
    if share < 1.0:
        message += _breakdown(stats)
    status = Status.PASS if share >= 1.0 else Status.FAIL
    return Outcome(rid, status, message, fraction=share, measurements=measured)


def _breakdown(stats: dict[str, Any]) -> str:
    """Where the time or the errors went: the slowest endpoints and the first error."""
    rows = sorted(stats.get("endpoints", []), key=lambda e: -e.get("p95_ms", 0))[:3]
    text = ""
    if rows:
        text += "\nslowest: " + ", ".join(
            f"{e['name']} p95 {e['p95_ms']:.0f} ms ({e['requests']} requests)" for e in rows)
    errors = stats.get("errors", [])
    if errors:
        e = errors[0]
        text += f"\nfirst error: {e['name']}: {e['error']} (×{e['occurrences']})"
    return text


# A busy neighbour makes answers late, never wrong: when most requests failed, a second
# run (and a fresh measurement of the reference) could not change the verdict.
UNMISTAKABLE_ERROR_RATE = 0.5


@stage("load")
def load(ctx: StageContext) -> list[Outcome]:
    """Measure, judge; a verdict that would cost points is confirmed once: the reference is
    measured again just now (a cached calibration may come from a quieter moment) and the
    app runs once more, right after it. The better of the two verdicts counts. A run where
    most requests failed is not confirmed (UNMISTAKABLE_ERROR_RATE)."""
    opts = ctx.exercise.graders.load
    path = ctx.grader_dir / opts.locustfile
    if not path.is_file():
        raise ExerciseInvalid(f"exercise {ctx.exercise.id}: no locustfile at {path}",
                              "set [graders.load] locustfile to a file in the grader folder")
    try:
        slos = {r.id: _slo.parse_slos(r.thresholds) for r in ctx.requirements}
    except _slo.SLOInvalid as e:
        raise ExerciseInvalid(f"exercise {ctx.exercise.id}: load SLO {e}",
                              "correct the requirement's thresholds") from None
    relative = any(s.relative for group in slos.values() for s in group)
    reference: dict[str, float] | None = None
    fresh = False
    try:
        if relative:
            calibration, fresh = _calibrate(ctx, opts, str(path))
            reference = calibration.figures
        stats = _run_app(ctx, opts, str(path))
        outcomes = [load_outcome(r.id, slos[r.id], stats, reference) for r in ctx.requirements]
        if any(o.fraction is not None and o.fraction < 1.0 for o in outcomes) \
                and stats.get("error_rate", 0.0) < UNMISTAKABLE_ERROR_RATE:
            if relative and not fresh:
                reference, _ = _measure_reference(ctx, opts, str(path))
            again = _run_app(ctx, opts, str(path))
            second = [load_outcome(r.id, slos[r.id], again, reference) for r in ctx.requirements]
            outcomes = [_better(a, b, confirmed=relative and not fresh)
                        for a, b in zip(outcomes, second)]
    except (cal.NotCalibrated, Saturated) as e:
        return [Outcome(r.id, Status.ERROR, f"{e}: result not scored") for r in ctx.requirements]
    except NotUp as e:
        return [Outcome(r.id, Status.ERROR, str(e)) for r in ctx.requirements]
    code, oom = ctx.app.exit_status()
    if code is not None:
        why = "was OOM-killed" if oom else f"exited with code {code}"
        for o in outcomes:
            o.message = f"the app {why} under load\n{o.message}"
    return outcomes


class Saturated(Exception):
    pass


class NotUp(Exception):
    pass


def _run_app(ctx: StageContext, opts: LoadOptions, locustfile: str) -> dict[str, Any]:
    if (down := revive(ctx)) is not None:
        raise NotUp(down)
    ctx.emit(LogLine("load", f"{opts.users} users for {opts.duration_s:g} s"))
    stats = run_profile(ctx.app.address.url, locustfile, opts)
    why = saturated(stats, opts.saturation_pct, opts.saturation_lag_ms)
    if why is not None:
        raise Saturated(f"load generator saturated ({why}) — it measured itself, not the app")
    return stats


def _better(first: Outcome, second: Outcome, confirmed: bool) -> Outcome:
    # On a tie the second counts: it was measured beside the fresher reference figures.
    best = first if (first.fraction or 0.0) > (second.fraction or 0.0) else second
    how = "best of 2 runs" + ("; the reference was measured again just now" if confirmed else "")
    best.message += f"\n({how})"
    return best
