"""What calibration buys: load verdicts relative to the reference measured on this machine,
against the verdicts fixed thresholds would give, on an idle machine and beside a CPU hog.

For each condition (idle; a CPU hog of busy processes, two per core by default, started
before and stopped after the condition's grades — bounded in time), it recalibrates (the reference
under the same load, on the machine as it is then) and grades the reference and the
exercise's slow mutant with the real engine, load requirement only. "Fixed" applies the
thresholds that the idle calibration would have frozen (the same SLOs, resolved once with
the idle reference figures) to the same measurements.

Then it grades the reference a few more times with the warm calibration: the spread of
the load figures, and the grade time with and without a warm calibration.

    .venv/bin/python bench/bench_calibration.py [--exercise rest-api] [--slow slow-list]
                                                [--repeat 5] [--hog-s 240]

Uses a state directory of its own (calibrations made here do not touch yours). Traffic
goes only to containers kata starts; the hog is local busy loops, killed at the end.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from kata.catalog import load_catalog
from kata.engine import GradeOptions, grade
from kata.mutants import load_mutants, materialize
from kata.repo import open_repo
from kata.sandbox.docker import DockerSandbox, connect
from kata.stages import _slo


def _burn(until: float) -> None:
    while time.time() < until:
        pass


@contextmanager
def cpu_hog(seconds: float, procs_per_core: int):
    """Busy processes (so many per core), for at most ``seconds``."""
    until = time.time() + seconds
    procs = [multiprocessing.Process(target=_burn, args=(until,), daemon=True)
             for _ in range((os.cpu_count() or 1) * procs_per_core)]
    for p in procs:
        p.start()
    try:
        yield
    finally:
        for p in procs:
            p.terminate()
            p.join(5)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--exercise", default="rest-api")
    ap.add_argument("--slow", default="slow-list", help="the mutant that is too slow")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--hog-s", type=float, default=240.0, help="upper bound of the hog")
    ap.add_argument("--hog-per-core", type=int, default=2, help="busy processes per core")
    args = ap.parse_args()

    os.environ["KATA_STATE_DIR"] = tempfile.mkdtemp(prefix="kata-bench-state-")
    catalog = load_catalog()
    ex = catalog.get(args.exercise)
    req = next(r for r in ex.requirements if r.grader == "load")
    slos = _slo.parse_slos(req.thresholds)
    client = connect()
    work = Path(tempfile.mkdtemp(prefix="kata-bench-"))
    mutant = next(m for m in load_mutants(ex) if m.name == args.slow)
    folders = {"reference": ex.reference_path,
               args.slow: materialize(ex, mutant, work / args.slow)}

    def run(folder: Path, recalibrate: bool = False):
        started = time.monotonic()
        report = grade(ex, open_repo(folder), catalog.grader_dir(ex),
                       lambda e, rid: DockerSandbox(limits=e.limits, run_id=rid, client=client),
                       GradeOptions(only={req.id}, recalibrate=recalibrate))
        r = next(r for r in report.requirements if r.id == req.id)
        return r, time.monotonic() - started

    print(f"# calibration bench — {ex.id}, requirement {req.id!r}, {os.cpu_count()} CPUs, "
          f"app limited to {ex.limits.cpus:g} CPU; load average now "
          f"{os.getloadavg()[0]:.2f}")
    rows = []
    frozen: dict[str, float] | None = None
    for condition in ("idle", "cpu hog"):
        ctx = cpu_hog(args.hog_s, args.hog_per_core) if condition == "cpu hog" else _nothing()
        with ctx:
            if condition == "cpu hog":
                time.sleep(1)
            first = True
            for name, folder in folders.items():
                r, took = run(folder, recalibrate=first)
                first = False
                m = r.measurements
                ref = {k[4:]: v for k, v in m.items() if k.startswith("ref_")}
                if frozen is None:
                    frozen = ref
                fixed = _slo.fraction(_slo.evaluate(slos, m, frozen))
                rows.append((condition, name, m.get("p95_ms", 0), m.get("rps", 0),
                             ref.get("p95_ms", 0), ref.get("rps", 0), r.status,
                             r.points_earned, r.points_max, "pass" if fixed >= 1 else "fail",
                             took))
    print("\ncondition  variant      p95 ms   req/s  ref p95  ref req/s  calibrated      "
          "fixed (idle thresholds)")
    for c, n, p95, rps, rp95, rrps, status, pts, mx, fixed, _ in rows:
        print(f"{c:9}  {n:11} {p95:7.0f} {rps:7.0f} {rp95:8.0f} {rrps:10.0f}  "
              f"{status:4} {pts:g}/{mx:<5}  {fixed}")
    want = {"reference": "pass", args.slow: "fail"}
    right_cal = sum((r[6] == "pass") == (want[r[1]] == "pass") for r in rows)
    right_fix = sum((r[9] == "pass") == (want[r[1]] == "pass") for r in rows)
    print(f"right verdicts: calibrated {right_cal}/{len(rows)}, fixed thresholds "
          f"{right_fix}/{len(rows)}")

    # The spread over repeated grades, with the calibration now warm (no hog).
    print(f"\n# {args.repeat} grades of the reference, warm calibration")
    _, cold_s = run(ex.reference_path, recalibrate=True)
    figures, times, statuses = [], [], []
    for _ in range(args.repeat):
        r, took = run(ex.reference_path)
        figures.append(r.measurements)
        times.append(took)
        statuses.append(r.status)
    for key in ("p95_ms", "rps", "ref_p95_ms", "ref_rps"):
        vals = [f[key] for f in figures if key in f]
        if vals:
            spread = (max(vals) - min(vals)) / statistics.median(vals) * 100
            print(f"{key:11} min {min(vals):8.1f}  median {statistics.median(vals):8.1f}  "
                  f"max {max(vals):8.1f}  spread {spread:4.0f}% of the median")
    print(f"verdicts: {statuses.count('pass')}/{len(statuses)} pass "
          f"({', '.join(statuses)})")
    print(f"grade time ({req.id} only): cold calibration {cold_s:.1f} s · warm "
          f"{statistics.median(times):.1f} s (median)")


@contextmanager
def _nothing():
    yield


if __name__ == "__main__":
    sys.exit(main())
