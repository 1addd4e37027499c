"""Every figure of the speed and scale issue (#19), in one command, on this machine:

    .venv/bin/python bench/bench_all.py [--exercise rest-api …] [--learners 6]

1. where a grade's time goes, cold and warm, and kata's own time (bench_grade.py: by default
   rest-api, kv-store and todo-cli; --exercise for others, --every-exercise for the catalog);
2. the load generator against wrk on one endpoint, same run (bench_load_ceiling.py);
3. kv-store's RESP driver against redis-benchmark (bench_resp_driver.py);
4. repositories per hour with `kata cohort`, --jobs 1 and 2, warm and cold (bench_cohort.py);
5. the capacity model for 1,000 learners, with the warm --jobs 2 speed-up just measured
   (bench_capacity.py).

Each runs in a process of its own, one after another: they must not share the machine.
Run it on a quiet machine (the load average is printed before each); on a busy one only
the ratios hold.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def step(title: str, script: str, *args: str) -> str:
    print(f"\n## {title}\n(load average {os.getloadavg()[0]:.1f}; bench/{script} "
          f"{' '.join(args)})\n", flush=True)
    proc = subprocess.run([sys.executable, str(HERE / script), *args], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, check=False)
    print(proc.stdout, end="", flush=True)
    if proc.returncode != 0:
        print(f"(bench/{script} exited {proc.returncode})", flush=True)
    return proc.stdout


def warm_speedup(cohort_output: str) -> float | None:
    """The warm row with the most jobs: its 'N.NN×' against --jobs 1."""
    rows = re.findall(r"^warm\s+(\d+)\s.*?([\d.]+)×\s*$", cohort_output, re.MULTILINE)
    return float(max(rows, key=lambda r: int(r[0]))[1]) if rows else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exercise", action="append",
                        help="bench_grade's exercises (default: rest-api, kv-store, todo-cli)")
    parser.add_argument("--every-exercise", action="store_true")
    parser.add_argument("--learners", default="6")
    args = parser.parse_args()
    grades: list[str] = []
    if not args.every_exercise:
        for ex in args.exercise or ["rest-api", "kv-store", "todo-cli"]:
            grades += ["--exercise", ex]
    step("1. a grade's phases and kata's own time", "bench_grade.py", *grades, "--warm", "3")
    step("2. load generator vs wrk", "bench_load_ceiling.py", "--users", "10", "--rounds", "5")
    step("3. RESP driver vs redis-benchmark", "bench_resp_driver.py")
    cohort = step("4. repositories per hour", "bench_cohort.py", "--learners", args.learners,
                  "--jobs", "1", "2")
    speedup = warm_speedup(cohort)
    step("5. capacity for 1,000 learners", "bench_capacity.py",
         *(["--jobs-speedup", f"{speedup:g}"] if speedup else []))


if __name__ == "__main__":
    main()
