"""Repositories graded per hour by `kata cohort`, at each --jobs, warm.

    .venv/bin/python bench/bench_cohort.py [--exercise rest-api] [--learners 6] [--jobs 1 2]

Each learner is a copy of the exercise's reference (its own folder, so its own cache tag:
Docker's layer cache makes its build warm after the first). One unmeasured grade first
calibrates the load SLO and fills the layer cache; then the same cohort is graded once per
--jobs value and timed. Load phases run alone on the host whatever --jobs is (kata/gate.py),
so the gain comes from overlapping everything else: builds, boots, schemathesis, pytest.
Measure on a quiet machine; on a shared one only the ratio between --jobs values holds.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from kata.catalog import load_catalog

KATA = [sys.executable, "-m", "kata"]


def cohort(exercise: str, folders: list[Path], jobs: int) -> float:
    start = time.monotonic()
    done = subprocess.run([*KATA, "cohort", exercise, *map(str, folders), "--jobs", str(jobs)],
                          capture_output=True, text=True, timeout=3600, check=False,
                          env={**os.environ, "COLUMNS": "200"})
    took = time.monotonic() - start
    lost = [w for w in ("missing:", "could not grade", "not graded") if w in done.stdout]
    if done.returncode != 0 or lost:
        sys.exit(f"the cohort did not grade every reference at 100%:\n{done.stdout}\n"
                 f"{done.stderr[-3000:]}")
    return took


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--exercise", default="rest-api")
    parser.add_argument("--learners", type=int, default=6)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    ex = load_catalog().get(args.exercise)
    with tempfile.TemporaryDirectory(prefix="kata-bench-cohort-") as tmp:
        folders = []
        for i in range(args.learners):
            folders.append(Path(tmp, f"learner-{i:02d}"))
            shutil.copytree(ex.reference_path, folders[-1])
        cohort(ex.id, folders, max(args.jobs))  # warm: calibration, layer cache, cache tags
        print(f"{ex.id}: {args.learners} learners, warm, {os.cpu_count()} cores")
        print("jobs   wall      repos/hour   vs --jobs 1")
        base = None
        for jobs in args.jobs:
            took = cohort(ex.id, folders, jobs)
            per_hour = args.learners * 3600 / took
            base = base or per_hour
            print(f"{jobs:>4}   {took:6.1f} s   {per_hour:8.0f}     {per_hour / base:4.2f}×")


if __name__ == "__main__":
    main()
