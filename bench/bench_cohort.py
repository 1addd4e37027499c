"""Repositories graded per hour by `kata cohort`, at each --jobs, warm and cold.

    .venv/bin/python bench/bench_cohort.py [--exercise rest-api] [--learners 6] [--jobs 1 2]

Each learner is a copy of the exercise's reference (its own folder, so its own cache tag).
Warm: one unmeasured cohort first calibrates the load SLO and builds every learner's image;
then the same cohort is graded once per --jobs value and timed (each grade reuses its image:
the same commit builds once). Cold: for each --jobs value, new copies (kata has built none
of them) and a new state directory (no calibration: the first grade measures the reference).
Docker's layer cache still holds the base layers, so cold is kata's cold, not a fresh
machine's. Load phases run alone on the host whatever --jobs is (kata/gate.py),
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


def cohort(exercise: str, folders: list[Path], jobs: int, state: Path) -> float:
    start = time.monotonic()
    done = subprocess.run([*KATA, "cohort", exercise, *map(str, folders), "--jobs", str(jobs)],
                          capture_output=True, text=True, timeout=3600, check=False,
                          env={**os.environ, "COLUMNS": "200", "KATA_STATE_DIR": str(state)})
    took = time.monotonic() - start
    lost = [w for w in ("missing:", "could not grade", "not graded") if w in done.stdout]
    if done.returncode != 0 or lost:
        sys.exit(f"the cohort did not grade every reference at 100%:\n{done.stdout}\n"
                 f"{done.stderr[-3000:]}")
    return took


def learners(reference: Path, into: Path, n: int) -> list[Path]:
    """``n`` copies of the reference kata has never graded (a marker makes each unique)."""
    folders = []
    for i in range(n):
        folders.append(into / f"learner-{i:02d}")
        shutil.copytree(reference, folders[-1])
        (folders[-1] / ".kata-bench").write_text(str(into))
    return folders


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--exercise", default="rest-api")
    parser.add_argument("--learners", type=int, default=6)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    ex = load_catalog().get(args.exercise)
    print(f"{ex.id}: {args.learners} learners, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f} at the start")
    print("grades   jobs   wall      repos/hour   vs --jobs 1")
    with tempfile.TemporaryDirectory(prefix="kata-bench-cohort-") as tmp:
        warm = learners(ex.reference_path, Path(tmp, "warm"), args.learners)
        state = Path(tmp, "state-warm")
        cohort(ex.id, warm, max(args.jobs), state)  # calibration, every learner's image
        for label in ("warm", "cold"):
            base = None
            for jobs in args.jobs:
                folders, state_dir = warm, state
                if label == "cold":
                    folders = learners(ex.reference_path, Path(tmp, f"cold-{jobs}"),
                                       args.learners)
                    state_dir = Path(tmp, f"state-cold-{jobs}")
                took = cohort(ex.id, folders, jobs, state_dir)
                per_hour = args.learners * 3600 / took
                base = base or per_hour
                print(f"{label:<8} {jobs:>4}   {took:6.1f} s   {per_hour:8.0f}     "
                      f"{per_hour / base:4.2f}×", flush=True)


if __name__ == "__main__":
    main()
