"""What a CI run (`bash .ci/run`) spent, by exercise and by phase, and what the same design
would spend on the full catalog (issue #13: CI must fit 24 exercises in 45 minutes).

    .venv/bin/python bench/bench_ci.py RUN_LOG VERIFY_DIR [--exercises 24] [--total-s S]

RUN_LOG is what `.ci/run` printed; VERIFY_DIR the session's verification folder
(`<pytest basetemp>/verify0`: one folder per exercise holding each variant's report).
--total-s is the whole `.ci/run` wall time, install and lint included, when it was timed
outside; without it only pytest's time is known.

How a run is spent: the other tests run in pytest's process (M seconds) while the
verification grades beside them; then the variant tests wait for what is left of it
(V seconds, the setup time of the variant tests in the slowest-durations list). Every
grading's start and length come from its report, so the run's own figures are measured.
The projection is a model, and says so: the gradings of the new exercises cost what the
present ones cost on average, the pool grades as many at a time as it did here, and the
other tests either stay as they are (lower bound) or grow with the catalog (upper bound).
"""

from __future__ import annotations

import argparse
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from kata.catalog import Exercise, load_catalog
from kata.report import Report
from kata.verify import measured_checks, measuring

SUMMARY = re.compile(r"^=*\s*(?P<counts>\d+ (?:passed|failed).*?) in (?P<secs>[\d.]+)s", re.M)
DURATION = re.compile(r"^(?P<secs>[\d.]+)s (?P<when>setup|call|teardown)\s+(?P<test>\S+)")
GATE = re.compile(r"^(?P<exercise>[\w-]+)/(?P<variant>\S+): .*\(at the gate (?P<secs>[\d.]+) s"
                  r"(?:, (?P<alone>[\d.]+) s of it to measure)?(?:; alone (?P<held>[\d.]+) s)?\)$",
                  re.M)
# the tests that read the verification's reports: tests/conftest.py's VARIANT_TESTS
VARIANT_TESTS = ("test_variant_scores_exactly", "test_only_gives_the_full_grades_verdict")


@dataclass(frozen=True)
class Grading:
    exercise: str
    name: str
    start: float  # seconds since the first grading began
    seconds: float
    phases: dict[str, float]
    alone: float = 0.0  # of its phases, seconds measuring: the host held alone (kata.gate)

    @property
    def end(self) -> float:
        return self.start + self.seconds


def gradings(folder: Path) -> list[Grading]:
    reports = [(p, Report.model_validate_json(p.read_text())) for p in folder.glob("*/*.json")]
    if not reports:
        raise SystemExit(f"no reports under {folder}: pass the session's verify0 folder")
    first = min(r.run.started_at for _, r in reports)
    catalog = load_catalog()
    held = held_alone(folder)
    found = []
    for path, r in reports:
        phases: dict[str, float] = defaultdict(float)
        for ph in r.phases:
            phases[ph.name] += ph.duration_s
        alone = held.get((r.exercise_id, path.stem))
        if alone is None:
            alone = alone_seconds(catalog.get(r.exercise_id), r, phases)
        found.append(Grading(r.exercise_id, path.stem, (r.run.started_at - first)
                             / timedelta(seconds=1), sum(phases.values()), dict(phases), alone))
    return sorted(found, key=lambda g: g.start)


def held_alone(folder: Path) -> dict[tuple[str, str], float]:
    """Seconds each grading held the host alone, as its gate counted them (the grading
    processes' logs: "; alone S s"), by (exercise, variant)."""
    return {(m["exercise"], m["variant"]): float(m["held"])
            for log in folder.glob("*/log-*.txt")
            for m in GATE.finditer(log.read_text(errors="replace")) if m["held"]}


def alone_seconds(exercise: Exercise, report: Report, phases: dict[str, float]) -> float:
    """The seconds of a grading that held the host alone, for a log from before the gate
    counted them: its measuring phases whole, and the checks of its measured contract
    requirements. No neighbour runs then, whatever the pool's size: the part of CI that
    more gradings at a time cannot shorten."""
    alone_phases, measured = measuring(exercise), measured_checks(exercise)
    return (sum(s for name, s in phases.items() if name in alone_phases)
            + sum(r.duration_s for r in report.requirements if r.id in measured))


def gate_waits(folder: Path) -> dict[str, tuple[float, float]]:
    """Seconds each exercise's gradings waited their turn at the gate (kata.gate), and of
    those, seconds waiting to measure (for the neighbours' running checks to end; 0 in
    logs from before kata.verify said it), from the grading processes' logs."""
    waits: dict[str, tuple[float, float]] = {}
    for log in folder.glob("*/log-*.txt"):
        for m in GATE.finditer(log.read_text(errors="replace")):
            total, alone = waits.get(m["exercise"], (0.0, 0.0))
            waits[m["exercise"]] = (total + float(m["secs"]), alone + float(m["alone"] or 0))
    return waits


def pytest_figures(log: str) -> tuple[float, str, float]:
    """(pytest's seconds, its counts line, seconds the variant tests waited)."""
    summaries = list(SUMMARY.finditer(log))
    if not summaries:
        raise SystemExit("no pytest summary line in the log: pass .ci/run's whole output")
    waited = sum(float(m["secs"]) for line in log.splitlines()
                 if (m := DURATION.match(line.strip())) and m["when"] == "setup"
                 and any(t in m["test"] for t in VARIANT_TESTS))
    return float(summaries[-1]["secs"]), summaries[-1]["counts"], waited


def busy_seconds(found: list[Grading], start: float, end: float) -> float:
    """Grading-seconds spent between ``start`` and ``end`` (overlaps clipped)."""
    return sum(max(0.0, min(g.end, end) - max(g.start, start)) for g in found)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("log", type=Path)
    ap.add_argument("verify", type=Path)
    ap.add_argument("--exercises", type=int, default=24, help="catalog size to project to")
    ap.add_argument("--total-s", type=float, help="the whole .ci/run's wall time")
    args = ap.parse_args()
    found = gradings(args.verify)
    pytest_s, counts, waited = pytest_figures(args.log.read_text(errors="replace"))

    by_ex: dict[str, list[Grading]] = defaultdict(list)
    for g in found:
        by_ex[g.exercise].append(g)
    gate = gate_waits(args.verify)

    def at_gate(ex: str | None = None) -> str:
        if not gate:
            return "      –       –"  # a run from before kata.verify printed it
        total, alone = gate.get(ex, (0.0, 0.0)) if ex else (
            sum(t for t, _ in gate.values()), sum(a for _, a in gate.values()))
        return f"{total:7.0f} {alone:7.0f}"

    print(f"{'exercise':24} {'n':>3} {'grading-s':>9} {'mean':>6} {'alone':>6} {'gate':>7} "
          f"{'measure':>7}  phases (s)")
    for ex, gs in sorted(by_ex.items(), key=lambda kv: -sum(g.seconds for g in kv[1])):
        phases: dict[str, float] = defaultdict(float)
        for g in gs:
            for name, s in g.phases.items():
                phases[name] += s
        top = " · ".join(f"{n} {s:.0f}" for n, s in sorted(phases.items(), key=lambda kv: -kv[1])
                         if s >= 1)
        total = sum(g.seconds for g in gs)
        alone = sum(g.alone for g in gs)
        print(f"{ex:24} {len(gs):3d} {total:9.0f} {total / len(gs):6.1f} {alone:6.0f} "
              f"{at_gate(ex)}  {top}")
    work = sum(g.seconds for g in found)
    phase_totals: dict[str, float] = defaultdict(float)
    for g in found:
        for name, s in g.phases.items():
            phase_totals[name] += s
    print(f"{'all':24} {len(found):3d} {work:9.0f} {work / len(found):6.1f} "
          f"{sum(g.alone for g in found):6.0f} {at_gate()}  "
          + " · ".join(f"{n} {s:.0f}" for n, s in sorted(phase_totals.items(),
                                                            key=lambda kv: -kv[1])))

    span = max(g.end for g in found)
    main_s = max(0.0, span - waited)  # the pool grades beside the other tests, then V
    quiet_s = max(0.0, pytest_s - span)  # the tests that run before it starts, and the end
    during_main = busy_seconds(found, 0, main_s)
    after_main = busy_seconds(found, main_s, span)
    print("(alone: seconds measuring with the host to itself; gate: seconds waiting for a "
          "turn, for a neighbour measuring alone or for the host to empty before measuring "
          "alone; measure: of those, the waits to measure)")
    print(f"\npytest: {counts} in {pytest_s:.0f} s; the verification graded for {span:.0f} s; "
          f"the variant tests waited {waited:.0f} s for it; {quiet_s:.0f} s without it "
          "(before its first grading and after its last: the variant tests' own checks)")
    print(f"gradings at a time: {during_main / max(main_s, 1):.2f} beside the other tests "
          f"({main_s:.0f} s), {after_main / max(waited, 1):.2f} after them ({waited:.0f} s)")
    n = len(by_ex)
    scale = args.exercises / n
    rate_main = during_main / max(main_s, 1)
    rate_after = after_main / max(waited, 1)
    setup_s = (args.total_s - pytest_s) if args.total_s else 0.0
    print(f"\nprojection to {args.exercises} exercises (from {n}; gradings "
          f"{work:.0f} → {work * scale:.0f} grading-s):")
    for label, main24 in (("other tests as now", main_s), ("other tests × catalog",
                                                           main_s * scale)):
        left = max(0.0, work * scale - rate_main * main24)
        total = setup_s + quiet_s + main24 + left / max(rate_after, 0.1)
        print(f"  {label:22} {total / 60:5.1f} min  (other tests {main24:.0f} s, then "
              f"{left:.0f} grading-s at {rate_after:.2f} at a time"
              + (f", install and lint {setup_s:.0f} s)" if setup_s else ")"))
    if args.total_s:
        print(f"measured: {args.total_s / 60:.1f} min for {n} exercises")


if __name__ == "__main__":
    main()
