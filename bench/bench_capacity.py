"""A capacity model for a cohort: wall time and cost of grading L learners on one machine,
on N GitHub Actions runners, or on a Kubernetes cluster — from grade times measured here.

    .venv/bin/python bench/bench_capacity.py [--exercise rest-api] [--learners 1000]
        [--runner-usd-per-min 0.008] [--node-usd-per-hour 0.10] [--node-cores 8]
        [--setup-s 90] [--runners 20 100] [--nodes 5 20]

Measured here (one cold and one warm grade of the reference, as bench_grade.py does):
a cold grade is what each Actions job and each Kubernetes pod pays (a fresh machine:
no layer cache, no calibration); a warm grade is what a second learner on one machine pays.
Assumed, and printed as such: a runner's or pod's setup before kata starts (--setup-s:
machine start, checkout, installing kata, pulling the base and service images), the prices
(GitHub's standard 2-core Linux runner, billed per started minute; a node's hourly price),
and that a grade needs 2 cores, as it does here. On one machine the measured warm time
is divided by the --jobs speed-up `bench_cohort.py` measures (1 when not given).
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_grade import one_grade

from kata.catalog import load_catalog
from kata.sandbox.docker import connect


def hours(seconds: float) -> str:
    return f"{seconds / 3600:6.1f} h" if seconds >= 3600 else f"{seconds / 60:6.1f} min"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--exercise", default="rest-api")
    p.add_argument("--learners", type=int, default=1000)
    p.add_argument("--runner-usd-per-min", type=float, default=0.008)
    p.add_argument("--node-usd-per-hour", type=float, default=0.10)
    p.add_argument("--node-cores", type=int, default=8)
    p.add_argument("--setup-s", type=float, default=90.0)
    p.add_argument("--jobs-speedup", type=float, default=1.0)
    p.add_argument("--runners", type=int, nargs="+", default=[20, 100])
    p.add_argument("--nodes", type=int, nargs="+", default=[5, 20])
    a = p.parse_args()
    catalog = load_catalog()
    ex = catalog.get(a.exercise)
    client = connect()
    with tempfile.TemporaryDirectory(prefix="kata-bench-capacity-") as tmp:
        os.environ["KATA_STATE_DIR"] = str(Path(tmp) / "state")
        folder = Path(tmp) / ex.id
        shutil.copytree(ex.reference_path, folder)
        (folder / ".kata-bench").write_text(tmp)  # a repo kata has never graded
        cold = one_grade(ex, folder, catalog, client)["wall"]
        warm = one_grade(ex, folder, catalog, client)["wall"]
    L = a.learners
    print(f"{ex.id}: measured here — cold grade {cold:.1f} s, warm grade {warm:.1f} s "
          f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    print(f"assumed — setup per runner/pod {a.setup_s:.0f} s, runner ${a.runner_usd_per_min}"
          f"/min, node ${a.node_usd_per_hour}/h with {a.node_cores} cores, 2 cores a grade")
    print(f"\n{L} learners           wall          cost")
    one = L * warm / a.jobs_speedup
    print(f"one machine (warm)   {hours(one)}     — (your machine)")
    job_s = a.setup_s + cold
    for n in a.runners:
        wall = math.ceil(L / n) * job_s
        cost = L * math.ceil(job_s / 60) * a.runner_usd_per_min
        print(f"Actions, {n:>3} runners {hours(wall)}     ${cost:,.2f}")
    per_node = max(1, a.node_cores // 2)
    for n in a.nodes:
        waves = math.ceil(L / (n * per_node))
        wall = waves * job_s
        cost = n * wall / 3600 * a.node_usd_per_hour
        print(f"Kubernetes, {n:>3} nodes {hours(wall)}     ${cost:,.2f}")


if __name__ == "__main__":
    main()
