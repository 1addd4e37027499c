"""Service-level objectives of a load requirement, and their verdicts. Pure: figures in,
verdicts and the scorecard line out.

In exercise.toml, a requirement of the ``load`` grader states its SLOs as thresholds::

    p95_ms = { max = { ref = 3.0, plus = 20 }, zero = { ref = 8.0, plus = 60, cap = 250 } }
    rps = { min = { ref = 0.5 }, zero = { ref = 0.2 } }
    error_rate = { max = 0.005, zero = 0.05 }

``max``/``min`` is the full-marks bound, ``zero`` the zero-marks bound; between them the
credit ramps. A bound is a number, or relative to the reference solution's figure on this
machine: ``ref × figure + plus``, clamped to ``floor``/``cap`` where an exercise needs an
absolute limit (a slow machine must not excuse a 2 s p95; a fast one must not demand 3 ms).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from kata.scoring import ramp

METRICS = {
    # name: (what it is, higher is better)
    "p50_ms": ("p50", False),
    "p95_ms": ("p95", False),
    "p99_ms": ("p99", False),
    "rps": ("throughput", True),
    "error_rate": ("errors", False),
}


class SLOInvalid(ValueError):
    pass


@dataclass(frozen=True)
class Bound:
    value: float | None = None  # an absolute bound
    ref: float | None = None  # a factor of the reference's figure
    plus: float = 0.0
    floor: float | None = None
    cap: float | None = None

    @property
    def relative(self) -> bool:
        return self.ref is not None

    def resolve(self, reference: float | None) -> float:
        if self.ref is None:
            bound = float(self.value if self.value is not None else 0.0)
        else:
            if reference is None:
                raise SLOInvalid("a bound relative to the reference needs the reference's figure")
            bound = self.ref * reference + self.plus
        if self.floor is not None:
            bound = max(bound, self.floor)
        if self.cap is not None:
            bound = min(bound, self.cap)
        return bound

    def describe(self, metric: str) -> str:
        """``3× the reference + 20 ms`` — the bound as the exercise states it."""
        if self.ref is None:
            return fmt_value(metric, self.resolve(None))
        text = f"{self.ref:g}× the reference"
        if self.plus:
            text += f" + {fmt_value(metric, self.plus)}"
        limits = []
        if self.floor is not None:
            limits.append(f"at least {fmt_value(metric, self.floor)}")
        if self.cap is not None:
            limits.append(f"at most {fmt_value(metric, self.cap)}")
        return text + (f" ({', '.join(limits)})" if limits else "")


@dataclass(frozen=True)
class SLO:
    metric: str
    direction: Literal["max", "min"]
    full: Bound
    zero: Bound | None = None

    @property
    def relative(self) -> bool:
        return self.full.relative or (self.zero is not None and self.zero.relative)


def _bound(metric: str, key: str, raw: Any) -> Bound:
    if isinstance(raw, bool):
        raise SLOInvalid(f"{metric}.{key}: expected a number or a table, got {raw!r}")
    if isinstance(raw, (int, float)):
        return Bound(value=float(raw))
    if not isinstance(raw, dict):
        raise SLOInvalid(f"{metric}.{key}: expected a number or a table, got {raw!r}")
    unknown = set(raw) - {"ref", "plus", "floor", "cap", "value"}
    if unknown:
        raise SLOInvalid(f"{metric}.{key}: unknown keys {sorted(unknown)} (use ref, plus, "
                         "floor, cap)")
    if "ref" not in raw and "value" not in raw:
        raise SLOInvalid(f"{metric}.{key}: needs `ref` (a factor of the reference's figure)")
    try:
        return Bound(
            value=float(raw["value"]) if "value" in raw else None,
            ref=float(raw["ref"]) if "ref" in raw else None,
            plus=float(raw.get("plus", 0.0)),
            floor=float(raw["floor"]) if "floor" in raw else None,
            cap=float(raw["cap"]) if "cap" in raw else None,
        )
    except (TypeError, ValueError):
        raise SLOInvalid(f"{metric}.{key}: every value must be a number") from None


def parse_slos(thresholds: dict[str, Any]) -> list[SLO]:
    """The SLOs in a requirement's thresholds (other keys are not SLOs and are ignored)."""
    slos = []
    for metric, spec in thresholds.items():
        if metric not in METRICS:
            continue
        if not isinstance(spec, dict):
            raise SLOInvalid(
                f"{metric}: expected {{ max = …, zero = … }} or {{ min = …, zero = … }}")
        unknown = set(spec) - {"max", "min", "zero"}
        if unknown:
            raise SLOInvalid(f"{metric}: unknown keys {sorted(unknown)} (use max or min, and zero)")
        if ("max" in spec) == ("min" in spec):
            raise SLOInvalid(f"{metric}: say either max (at most) or min (at least)")
        direction: Literal["max", "min"] = "max" if "max" in spec else "min"
        want = METRICS[metric][1]
        if (direction == "min") != want:
            better = "higher" if want else "lower"
            raise SLOInvalid(f"{metric}: {better} is better, so its bound is "
                             f"{'min' if want else 'max'}")
        zero = _bound(metric, "zero", spec["zero"]) if "zero" in spec else None
        slos.append(SLO(metric, direction, _bound(metric, direction, spec[direction]), zero))
    return slos


@dataclass(frozen=True)
class Verdict:
    slo: SLO
    value: float
    reference: float | None  # the reference's figure on this machine, when calibrated
    full: float  # the full-marks bound, resolved
    zero: float | None  # the zero-marks bound, resolved
    fraction: float

    @property
    def met(self) -> bool:
        return self.fraction >= 1.0


def judge(slo: SLO, value: float, reference: float | None) -> Verdict:
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
    return Verdict(slo, value, reference, full, zero, fraction)


def evaluate(slos: list[SLO], measured: dict[str, float],
             reference: dict[str, float] | None) -> list[Verdict]:
    out = []
    for slo in slos:
        ref = reference.get(slo.metric) if reference is not None else None
        out.append(judge(slo, float(measured.get(slo.metric, 0.0)), ref))
    return out


def fraction(verdicts: list[Verdict]) -> float:
    """The weakest SLO decides: a fast app that fails half its requests earns nothing."""
    return min((v.fraction for v in verdicts), default=1.0)


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


def _bound_text(v: Verdict) -> str:
    sign = "≤" if v.slo.direction == "max" else "≥"
    bound = fmt_value(v.slo.metric, v.full)
    if v.slo.metric == "rps":
        bound = f"{v.full:.0f}"
    return f"{sign} {bound}"


def line(verdicts: list[Verdict]) -> str:
    """``p95 41 ms (≤ 54 ms ✓) · 612 req/s (≥ 300 ✓) · 0.0% errors (≤ 0.5% ✓)``"""
    return " · ".join(
        f"{_figure(v.slo.metric, v.value)} ({_bound_text(v)} {'✓' if v.met else '✗'})"
        for v in verdicts
    )


def reference_line(verdicts: list[Verdict]) -> str:
    """``reference here: p95 18 ms (yours 2.3×, ≤ 3× ✓) · 1224 req/s (yours 0.50×, ≥ 0.5× ✓)``"""
    parts = []
    for v in verdicts:
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
