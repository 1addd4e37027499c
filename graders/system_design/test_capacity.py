"""The capacity estimates: the fixed figures present, with units, and self-consistent."""

from __future__ import annotations

import pytest

from kata.testing import GradedApp, requirement

from ._design import CHECKS, FIGURES, LABELS, Check, Document, agrees, figures, human


@requirement("capacity")
@pytest.mark.parametrize("check", CHECKS, ids=[c.name for c in CHECKS])
def test_the_figure_adds_up(app: GradedApp, design: Document, check: Check) -> None:
    found = figures(design)
    missing = check.missing(found)
    if missing:
        why = []
        for key in missing:
            if key in found:
                f = found[key]
                why.append(f"`{LABELS[key]}` on line {f.line + 1} (\"{f.raw}\"): {f.problem}")
            else:
                why.append(f"no line `{LABELS[key]}: <number>`")
        raise AssertionError("; ".join(why))
    target = found[check.target]
    stated = target.value or 0.0
    expected = check.expected(found)
    kind = FIGURES[check.target]
    app.evidence["line"] = f"{target.line + 1}: {design.lines[target.line][:200]}"
    app.measure(**{f"{check.name.replace('-', '_')}_ratio":
                   round(stated / expected, 4) if expected else 0.0})
    assert agrees(stated, expected), (
        f"`{LABELS[check.target]}` says {human(stated, kind)} (line {target.line + 1}), but "
        f"{check.formula} gives {human(expected, kind)}: off by {_factor(stated, expected)}, "
        "more than the 20% kata accepts")


def _factor(stated: float, expected: float) -> str:
    if stated <= 0 or expected <= 0:
        return "a zero"
    r = max(stated, expected) / min(stated, expected)
    return f"{r:,.3g}×"
