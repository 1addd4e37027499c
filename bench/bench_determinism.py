"""How much does a grade of a reference solution vary? Grades it N times in a row (the
real engine, real Docker) and prints, per requirement, whether the verdict and points were
the same every time, and the spread (min / median / max) of every number it measured.
Counts (schema cases, requests…) should not vary; timings (boot, latency, throughput)
do, and the exercise's thresholds say how much they may.

    .venv/bin/python bench/bench_determinism.py [rest-api] [--runs 5]

Exits 1 if any verdict or any points not resting on a timing differed between runs.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import defaultdict

from kata.catalog import load_catalog
from kata.engine import GradeOptions, grade
from kata.repo import open_repo
from kata.sandbox.docker import DockerSandbox, connect

TIMED = {"load"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("exercise", nargs="?", default="rest-api")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    catalog = load_catalog()
    ex = catalog.get(args.exercise)
    client = connect()
    reports, seconds = [], []
    for i in range(args.runs):
        start = time.monotonic()
        report = grade(ex, open_repo(ex.reference_path), catalog.grader_dir(ex),
                       lambda e, run_id: DockerSandbox(limits=e.limits, run_id=run_id,
                                                       client=client, data_dir=e.app.data_dir),
                       GradeOptions(seed=1))
        seconds.append(time.monotonic() - start)
        reports.append(report)
        print(f"run {i + 1}/{args.runs}: {report.score.earned:g}/{report.score.max} "
              f"in {seconds[-1]:.1f} s", file=sys.stderr)

    unstable = False
    print(f"{ex.id} reference, {args.runs} gradings, seed 1")
    print(f"{'requirement':<14} {'grader':<9} {'verdicts':<10} {'points':<12} measurements "
          "(min / median / max)")
    for i, req in enumerate(ex.requirements):
        rows = [r.requirements[i] for r in reports]
        verdicts = sorted({q.status for q in rows})
        points = sorted({q.points_earned for q in rows})
        same = len(verdicts) == 1 and (len(points) == 1 or req.grader in TIMED)
        unstable |= not same
        spread = defaultdict(list)
        for q in rows:
            for k, v in q.measurements.items():
                spread[k].append(v)
        shown = ", ".join(
            f"{k} {min(v):g}" if min(v) == max(v)
            else f"{k} {min(v):g} / {statistics.median(v):g} / {max(v):g}"
            for k, v in spread.items() if not k.startswith(("bound_", "ref_")))
        print(f"{req.id:<14} {req.grader:<9} {'/'.join(verdicts):<10} "
              f"{'/'.join(f'{p:g}' for p in points):<12} {shown}"
              + ("" if same else "   <- differs"))
    phases = defaultdict(list)
    for r in reports:
        for p in r.phases:
            phases[p.name].append(p.duration_s)
    print("phases (s, min / median / max): " + ", ".join(
        f"{k} {min(v):.1f} / {statistics.median(v):.1f} / {max(v):.1f}" for k, v in phases.items()))
    print(f"whole grade (s): {min(seconds):.1f} / {statistics.median(seconds):.1f} / "
          f"{max(seconds):.1f}")
    scores = sorted({r.score.earned for r in reports})
    print(f"scores: {', '.join(f'{s:g}' for s in scores)} of {reports[0].score.max}"
          + ("" if not unstable else "  — a verdict or untimed points differed"))
    return 1 if unstable else 0


if __name__ == "__main__":
    sys.exit(main())
