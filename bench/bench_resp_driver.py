"""How fast is kv-store's load driver? Its ceiling, measured against a real Redis.

Starts Redis (the local `redis:7` image) as a kata sandbox service on a private network,
runs `redis-benchmark` inside that container (50 clients, one command in flight each,
64-byte values: the driver's own model), then runs the driver (graders/kv_store/_load.py)
from this host against the same server, and prints the ratio. The driver must be far
faster than any learner server's threshold, or the load requirement would measure the
driver, not the server.

    .venv/bin/python bench/bench_resp_driver.py [--seconds 3] [--connections 50]

Traffic goes only to the container this script starts; everything it made is removed.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import io
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # graders/ is not a package on the path

from graders.kv_store import _load  # noqa: E402

from kata.catalog import load_catalog  # noqa: E402
from kata.catalog.models import Limits  # noqa: E402
from kata.sandbox.docker import DockerSandbox, connect  # noqa: E402

GET_SHARE = 0.8  # the driver's mix: 80% GET, 20% SET


def redis_benchmark(service, connections: int, requests: int) -> dict[str, float]:
    """ops/s per command from redis-benchmark, run next to the server (loopback)."""
    done = service.exec(["redis-benchmark", "-h", "127.0.0.1", "-p", "6379", "-c",
                         str(connections), "-n", str(requests), "-d", "64", "-r", "1000",
                         "-t", "set,get", "--csv"], timeout_s=120)
    if done.code != 0:
        raise SystemExit(f"redis-benchmark failed ({done.code}): {done.stderr or done.stdout}")
    rows = list(csv.reader(io.StringIO(done.stdout)))
    return {row[0]: float(row[1]) for row in rows[1:] if len(row) > 1}


def mixed(rates: dict[str, float]) -> float:
    """ops/s of the 80/20 GET/SET mix from the per-command rates (time-weighted)."""
    return 1.0 / (GET_SHARE / rates["GET"] + (1 - GET_SHARE) / rates["SET"])


def run_driver(ip: str, connections: int, seconds: float, loop: str) -> _load.LoadResult:
    factory = None
    if loop == "uvloop":
        import uvloop  # optional, for comparison only

        factory = uvloop.new_event_loop
    return _load.drive(ip, 6379, connections=connections, duration_s=seconds, seed="bench",
                       loop_factory=factory)


def uvloop_installed() -> bool:
    return importlib.util.find_spec("uvloop") is not None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--requests", type=int, default=200_000,
                        help="redis-benchmark requests per command")
    args = parser.parse_args()

    load = load_catalog(ROOT).get("kv-store").requirement("load").thresholds
    floor = float(load.get("min_ops_per_s", 0))
    sandbox = DockerSandbox(limits=Limits(), run_id=f"bench{int(time.time()) % 10**7}",
                            client=connect())
    try:
        redis = sandbox.start_service("redis", "redis:7", {}, [])
        deadline = time.monotonic() + 30
        while redis.exec(["redis-cli", "ping"], timeout_s=5).stdout.strip() != "PONG":
            if time.monotonic() > deadline:
                raise SystemExit("redis did not start within 30 s")
            time.sleep(0.2)
        rates = redis_benchmark(redis, args.connections, args.requests)
        ceiling = mixed(rates)
        print(f"redis-benchmark (in the container, {args.connections} clients, -P 1): "
              f"GET {rates['GET']:,.0f} · SET {rates['SET']:,.0f} ops/s → "
              f"80/20 mix {ceiling:,.0f} ops/s")
        loops = ["asyncio"] + (["uvloop"] if uvloop_installed() else [])
        for loop in loops:
            r = run_driver(redis.address(6379).host, args.connections, args.seconds, loop)
            used = "as graded" if loop == "asyncio" else "for comparison"
            print(f"driver ({loop}, {used}; from the host, {args.connections} connections): "
                  f"{r.ops_per_s:,.0f} ops/s · p50 {r.percentile(50):.2f} ms · "
                  f"p99 {r.percentile(99):.2f} ms · errors {r.errors}")
            print(f"  ratio driver / redis-benchmark = {r.ops_per_s / ceiling:.2f} · "
                  f"driver / load threshold ({floor:,.0f} ops/s) = {r.ops_per_s / floor:.1f}×")
    finally:
        sandbox.close()


if __name__ == "__main__":
    main()
