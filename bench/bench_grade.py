"""Where a grade's time goes: the phase table of each exercise's reference, cold and warm,
and kata's own time in it.

    .venv/bin/python bench/bench_grade.py [--exercise todo-cli] [--warm 2]

Cold: a state directory of its own (no calibration yet) and a copy of the reference kata
has never graded (a new cache tag; Docker's layer cache may still hold identical layers,
so "cold" here is kata's cold, not a fresh machine's). Warm: the same copy and state
directory graded again, ``--warm`` times (the median is shown).

kata's own time = total − configured load − boot − build: what is left once the learner's
build and start-up and the seconds the exercise asks the load generator to measure are
taken out — pytest, schemathesis, container starts, calibration, confirmations.
Measure on a quiet machine: on a shared one the absolute times are inflated (say so when
quoting them) and only the ratios between phases and between before and after hold.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from kata.catalog import load_catalog
from kata.engine import GradeOptions, grade
from kata.repo import open_repo
from kata.sandbox.docker import DockerSandbox, connect


def configured_load_s(exercise) -> float:
    """The seconds the exercise's load profile measures (warm-up included), 0 without one."""
    if "load" not in exercise.graders_used:
        return 0.0
    opts = exercise.graders.load
    return opts.warmup_s + opts.duration_s


def one_grade(exercise, folder: Path, catalog, client) -> dict[str, float]:
    def factory(e, run_id):
        return DockerSandbox(limits=e.limits, run_id=run_id, client=client,
                             data_dir=e.app.data_dir)

    start = time.monotonic()
    report = grade(exercise, open_repo(folder), catalog.grader_dir(exercise), factory,
                   GradeOptions())
    wall = time.monotonic() - start
    if report.problem is not None:
        sys.exit(f"{exercise.id}: the reference could not be graded: {report.problem.message}")
    lost = [r.id for r in report.requirements if r.status != "pass"]
    if lost:  # a busy machine can cost a timed requirement: show it, the times still count
        print(f"  ({exercise.id}: the reference lost {', '.join(lost)} in this grade)")
    row = {p.name: p.duration_s for p in report.phases}
    row["wall"] = wall
    return row


def own_time(row: dict[str, float], load_s: float) -> float:
    return row["wall"] - load_s - row.get("boot", 0.0) - row.get("build", 0.0)


def show(label: str, row: dict[str, float], load_s: float) -> str:
    phases = " · ".join(f"{k} {v:.1f}" for k, v in row.items() if k != "wall")
    return (f"| {label} | {row['wall']:.1f} s | {phases} | {own_time(row, load_s):.1f} s |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exercise", action="append", help="default: every exercise")
    parser.add_argument("--warm", type=int, default=2, help="warm grades per exercise")
    args = parser.parse_args()
    catalog = load_catalog()
    ids = args.exercise or sorted(catalog.exercises)
    client = connect()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores at the start")
    print("| grade | wall | phases (s) | kata's own time |")
    print("|---|---|---|---|")
    for ex_id in ids:
        exercise = catalog.get(ex_id)
        load_s = configured_load_s(exercise)
        with tempfile.TemporaryDirectory(prefix="kata-bench-grade-") as tmp:
            os.environ["KATA_STATE_DIR"] = str(Path(tmp) / "state")
            folder = Path(tmp) / ex_id
            shutil.copytree(exercise.reference_path, folder)
            (folder / ".kata-bench").write_text(tmp)  # a repo kata has never graded
            cold = one_grade(exercise, folder, catalog, client)
            print(show(f"{ex_id} cold", cold, load_s), flush=True)
            warm = [one_grade(exercise, folder, catalog, client) for _ in range(args.warm)]
            median = {k: statistics.median(r.get(k, 0.0) for r in warm) for k in warm[0]}
            print(show(f"{ex_id} warm (median of {len(warm)})", median, load_s), flush=True)
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
