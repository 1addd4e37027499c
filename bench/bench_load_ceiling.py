"""Is kata's load grader ever what limits a learner's score? Its throughput against a raw
ceiling tool, in one run on this machine.

Starts the exercise's reference solution the way calibration does (its own services, the
exercise's limits, a sandbox of its own), creates one item, then measures the same single
URL (GET /items/<id>) with the same number of connections, alternately:

* kata's load grader — the locust child process the load stage runs (FastHttpUser), and
* wrk, from Debian's packages (skipped with a message if it is not installed),

and prints the req/s of each, their ratio, and the grader's own CPU use (its headroom).
Then it runs the exercise's real request mix once, for reference.

    .venv/bin/python bench/bench_load_ceiling.py [--exercise rest-api] [--seconds 5]
                                                 [--users 10,30] [--rounds 3]

Traffic goes only to the container this script starts (its address on kata's network);
everything it made is removed.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx

from kata.catalog import load_catalog
from kata.engine import _reference_app
from kata.sandbox.docker import DockerSandbox, connect
from kata.stages.load import LoadOptions, generator_cpu, run_profile

SINGLE_URL = '''
from locust import FastHttpUser, constant, task

class One(FastHttpUser):
    wait_time = constant(0)

    @task
    def get(self):
        self.client.get("{path}", name="{path}")
'''


def wrk(url: str, connections: int, seconds: float) -> float | None:
    if not shutil.which("wrk"):
        return None
    done = subprocess.run(
        ["wrk", "-t", "1", "-c", str(connections), "-d", f"{seconds:g}s", "--latency", url],
        capture_output=True, text=True, timeout=seconds + 30, check=False)
    m = re.search(r"Requests/sec:\s+([\d.]+)", done.stdout)
    return float(m.group(1)) if m else None


def _compare(base: str, path: str, locustfile: str, users: int, seconds: float,
             rounds: int) -> None:
    opts = LoadOptions(users=users, spawn_rate=1000, warmup_s=1.0, duration_s=seconds,
                       max_requests=1_000_000)
    kata_rps, wrk_rps, cpu = [], [], []
    print(f"\n{users} connections, GET {path}\nround  kata req/s  wrk req/s  ratio  kata CPU")
    for i in range(rounds):
        stats = run_profile(base, locustfile, opts)
        kata_rps.append(stats["rps"])
        cpu.append(generator_cpu(stats["cpu_samples"]))
        w = wrk(base + path, users, seconds)
        if w is not None:
            wrk_rps.append(w)
        ratio = f"{stats['rps'] / w:5.2f}" if w else "    –"
        w_text = f"{w:9.0f}" if w else "        –"
        print(f"{i + 1:5d}  {stats['rps']:10.0f}  {w_text}  {ratio}  {cpu[-1]:6.0f}%")
    k, c = statistics.median(kata_rps), statistics.median(cpu)
    text = f"median: kata {k:.0f} req/s"
    if wrk_rps:
        w = statistics.median(wrk_rps)
        text += f" · wrk {w:.0f} req/s · ratio {k / w:.2f}"
    print(text + f" · kata's generator at {c:.0f}% of one core")
    if c > 0:
        print(f"generator headroom: ~{k * 90 / c:.0f} req/s before it reaches 90% CPU "
              "(where the load stage refuses to score)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--exercise", default="rest-api")
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--users", default="10,30", help="connections, comma-separated")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()

    catalog = load_catalog()
    ex = catalog.get(args.exercise)
    client = connect()

    def factory(e, run_id):
        return DockerSandbox(limits=e.limits, run_id=run_id, client=client)

    counts = [int(n) for n in args.users.split(",")]
    print(f"# load grader vs wrk — {ex.id} reference, app limited to {ex.limits.cpus:g} CPU, "
          f"{args.seconds:g} s each, {args.rounds} rounds per connection count")
    print(f"# host: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
    if not shutil.which("wrk"):
        print("# wrk is not installed (apt-get install wrk): only kata's figures follow")
    with _reference_app(ex, factory) as app, tempfile.TemporaryDirectory() as tmp:
        base = app.address.url
        item = httpx.post(f"{base}/items", json={"name": "bench", "price": 1.0}).json()
        path = f"/items/{item['id']}"
        locustfile = Path(tmp) / "single.py"
        locustfile.write_text(SINGLE_URL.format(path=path))
        for users in counts:
            _compare(base, path, str(locustfile), users, args.seconds, args.rounds)
        profile = ex.graders.load
        mix = catalog.grader_dir(ex) / profile.locustfile
        if mix.is_file():
            stats = run_profile(base, str(mix), profile)
            print(f"\nthe exercise's own mix ({profile.users} users, {profile.duration_s:g} s): "
                  f"{stats['rps']:.0f} req/s, p95 {stats['p95_ms']:.0f} ms, generator "
                  f"{generator_cpu(stats['cpu_samples']):.0f}% CPU")


if __name__ == "__main__":
    sys.exit(main())
