"""The SLO format of a ``load`` requirement's thresholds in exercise.toml, parsed (and so
validated) when the exercise loads. The verdicts are ``kata.stages._slo``'s.

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
