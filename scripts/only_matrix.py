"""`--only R` must give R the verdict the full grade gives (issue #10 §1), for every
requirement of every variant. tests/test_only_agrees.py checks a selection within CI's
budget; this grades the whole matrix: each variant (the reference and every mutant) in
full, then once with `--only R` for each requirement R, and lists every R whose verdict
(pass or not) differs. About (requirements + 1) gradings per variant, so not run by CI.

    scripts/only-matrix [EXERCISE …] [--mutant NAME …] [--out results.jsonl]

Each grading is a line of --out (JSON); a rerun with the same --out skips what is there.
Exits 1 when some verdict differs, 0 when all agree.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from kata.catalog import Exercise, load_catalog
from kata.engine import GradeOptions
from kata.mutants import Mutant
from kata.sandbox.docker import DockerSandbox, connect
from kata.verify import variants, verify_variant


def _factory(client):
    return lambda e, run_id: DockerSandbox(limits=e.limits, run_id=run_id, client=client,
                                           data_dir=e.app.data_dir)


def _rows(verdict) -> dict[str, str]:
    report = verdict.report
    rows = {r.id: r.status for r in report.requirements}
    if report.problem:  # a build or boot failure: say so instead of "skipped"
        rows = {rid: f"problem: {report.problem.kind}" for rid in rows}
    return rows


def _grade(catalog, exercise: Exercise, mutant: Mutant | None, only: str | None,
           workdir: Path, done: dict, out, factory) -> dict:
    variant = mutant.name if mutant else "reference"
    key = f"{exercise.id}/{variant}/{only or '*'}"
    if key in done:
        return done[key]
    start = time.monotonic()
    verdict = verify_variant(catalog, exercise, mutant, factory, workdir,
                             GradeOptions(only={only} if only else None))
    line = {"key": key, "rows": _rows(verdict), "seconds": round(time.monotonic() - start, 1),
            "expected_lost": sorted(verdict.expected_lost)}
    if out:
        out.write(json.dumps(line) + "\n")
        out.flush()
    done[key] = line
    return line


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="only-matrix", description=__doc__.split("\n\n")[0])
    parser.add_argument("exercises", nargs="*", help="exercise ids (default: every one)")
    parser.add_argument("--mutant", action="append", default=[],
                        help="only these variants ('reference' or a mutant's name)")
    parser.add_argument("--out", type=Path, help="JSON lines of every grading; resumable")
    args = parser.parse_args(argv)

    catalog = load_catalog()
    factory = _factory(connect())
    ids = args.exercises or list(catalog.exercises)
    done: dict = {}
    if args.out and args.out.is_file():
        for text in args.out.read_text().splitlines():
            line = json.loads(text)
            done[line["key"]] = line
    out = args.out.open("a") if args.out else None
    disagreements: list[str] = []
    started = time.monotonic()
    gradings = 0
    with tempfile.TemporaryDirectory(prefix="kata-only-matrix-") as tmp:
        for ex_id in ids:
            exercise = catalog.get(ex_id)
            for mutant in variants(exercise):
                variant = mutant.name if mutant else "reference"
                if args.mutant and variant not in args.mutant:
                    continue
                full = _grade(catalog, exercise, mutant, None, Path(tmp), done, out, factory)
                gradings += 1
                declared = set(full["expected_lost"])
                lost_in_full = {r for r, s in full["rows"].items() if s != "pass"}
                note = "" if lost_in_full == declared else (
                    f"  (full grade loses {sorted(lost_in_full)}, declared {sorted(declared)})")
                print(f"{ex_id}/{variant}: full grade {full['seconds']} s{note}", flush=True)
                for req in exercise.requirements:
                    alone = _grade(catalog, exercise, mutant, req.id, Path(tmp), done, out, factory)
                    gradings += 1
                    was, now = full["rows"][req.id], alone["rows"][req.id]
                    agree = (was == "pass") == (now == "pass")
                    mark = "  " if agree else "✘ "
                    print(f"  {mark}--only {req.id:<16} {now:<8} full: {was:<8} "
                          f"{alone['seconds']:>5} s", flush=True)
                    if not agree:
                        disagreements.append(f"{ex_id}/{variant} --only {req.id}: {now}, "
                                             f"full grade: {was}")
    if out:
        out.close()
    minutes = (time.monotonic() - started) / 60
    print(f"\n{gradings} gradings in {minutes:.0f} min; "
          f"{len(disagreements)} verdict(s) differ from the full grade")
    for d in disagreements:
        print(f"  {d}")
    return 1 if disagreements else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
