"""Service-level objectives of a load requirement, and their results. Pure: figures in,
results and the scorecard line out. The thresholds' format (bounds relative to the
reference's figures) is ``kata.catalog.slo``, checked when the exercise loads."""

from __future__ import annotations

from dataclasses import dataclass

from kata.catalog.slo import METRICS, SLO, Bound, SLOInvalid, parse_slos
from kata.scoring import ramp

# The format (parsed when the exercise loads) lives in the catalog; the results here.
__all__ = ["METRICS", "SLO", "Bound", "SLOInvalid", "SLOResult", "assess", "evaluate", "fmt_value",
           "fraction", "line", "parse_slos", "reference_line"]


@dataclass(frozen=True)
class SLOResult:
    slo: SLO
    value: float
    reference: float | None  # the reference's figure on this machine, when calibrated
    full: float  # the full-marks bound, resolved
    zero: float | None  # the zero-marks bound, resolved
    fraction: float

    @property
    def met(self) -> bool:
        return self.fraction >= 1.0


def assess(slo: SLO, value: float, reference: float | None) -> SLOResult:
    full = slo.full.resolve(reference)
    zero = slo.zero.resolve(reference) if slo.zero is not None else None
    at_most = slo.direction == "max"
    if zero is not None and (zero < full if at_most else zero > full):
        full = zero  # a cap (or floor) on the zero bound wins over a looser full bound
    met = value <= full if at_most else value >= full
    if met:
        fraction = 1.0
    elif zero is None or zero == full:
        fraction = 0.0
    else:
        fraction = round(ramp(value, full, zero), 3)
    return SLOResult(slo, value, reference, full, zero, fraction)


def evaluate(slos: list[SLO], measured: dict[str, float],
             reference: dict[str, float] | None) -> list[SLOResult]:
    out = []
    for slo in slos:
        ref = reference.get(slo.metric) if reference is not None else None
        out.append(assess(slo, float(measured.get(slo.metric, 0.0)), ref))
    return out


def fraction(results: list[SLOResult]) -> float:
    """The weakest SLO decides: a fast app that fails half its requests earns nothing."""
    return min((v.fraction for v in results), default=1.0)


# -- words -------------------------------------------------------------------------------
def fmt_value(metric: str, value: float) -> str:
    if metric.endswith("_ms"):
        return f"{value:.0f} ms" if value >= 10 else f"{value:.1f} ms"
    if metric == "rps":
        return f"{value:.0f} req/s"
    if metric == "error_rate":
        return f"{100 * value:.1f}%"
    return f"{value:g}"


def _figure(metric: str, value: float) -> str:
    """``p95 41 ms`` / ``612 req/s`` / ``0.0% errors``."""
    if metric.endswith("_ms"):
        return f"{METRICS[metric][0]} {fmt_value(metric, value)}"
    if metric == "error_rate":
        return f"{fmt_value(metric, value)} errors"
    return fmt_value(metric, value)


def _bound_text(v: SLOResult) -> str:
    sign = "≤" if v.slo.direction == "max" else "≥"
    bound = fmt_value(v.slo.metric, v.full)
    if v.slo.metric == "rps":
        bound = f"{v.full:.0f}"
    return f"{sign} {bound}"


def line(results: list[SLOResult]) -> str:
    """``p95 41 ms (≤ 54 ms ✓) · 612 req/s (≥ 300 ✓) · 0.0% errors (≤ 0.5% ✓)``"""
    return " · ".join(
        f"{_figure(v.slo.metric, v.value)} ({_bound_text(v)} {'✓' if v.met else '✗'})"
        for v in results
    )


def reference_line(results: list[SLOResult]) -> str:
    """``reference here: p95 18 ms (yours 2.3×, ≤ 3× ✓) · 1224 req/s (yours 0.50×, ≥ 0.5× ✓)``"""
    parts = []
    for v in results:
        if v.reference is None:
            continue
        text = _figure(v.slo.metric, v.reference)
        if v.slo.full.relative and v.reference > 0:
            ratio = v.value / v.reference
            sign = "≤" if v.slo.direction == "max" else "≥"
            want = f"{v.slo.full.ref:g}×" + (
                f" + {fmt_value(v.slo.metric, v.slo.full.plus)}" if v.slo.full.plus else "")
            times = f"{ratio:.1f}×" if ratio < 10 else f"{ratio:.0f}×"
            text += f" (yours {times}, {sign} {want} {'✓' if v.met else '✗'})"
        parts.append(text)
    return ("reference here: " + " · ".join(parts)) if parts else ""
