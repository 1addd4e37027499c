"""Every kata report the test suite writes must import into the leaderboard.

A session fixture in conftest.py looks, when the session ends, at every JSON file
the tests wrote under pytest's temporary folder, in process or through the `kata`
command. Each one that is a whole kata report (it has ``kata_version``, ``run``, ``score``
and ``requirements``) must pass what `kata leaderboard import` checks: size, schema, its
points and, when the catalog here holds the same exercise version, the catalog. A test
that writes a deliberately forged report puts ``forged`` in the file's name.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from kata.catalog import load_catalog
from kata.errors import KataError
from kata.leaderboard.validate import MAX_REPORT_BYTES, Refused, problems, read_report

SHAPE = {"kata_version", "run", "score", "requirements"}


def _is_report(path: Path) -> bool:
    if "forged" in path.name or path.stat().st_size > MAX_REPORT_BYTES:
        return False
    try:
        data = json.loads(path.read_bytes())
    except (ValueError, RecursionError):
        return False
    return isinstance(data, dict) and SHAPE <= data.keys()


def refused_reports(folder: Path) -> list[str]:
    try:
        catalog = load_catalog()
    except KataError:
        catalog = None
    now = datetime.now(UTC)
    refused = []
    for path in sorted(folder.rglob("*.json")):
        if not path.is_file() or path.is_symlink() or not _is_report(path):
            continue
        try:
            report = read_report(path)
        except Refused as e:
            refused.append(f"{path}: {e.reason}")
            continue
        ex = catalog.exercises.get(report.exercise_id) if catalog else None
        same = ex is not None and (ex.version, ex.title) == (report.exercise_version,
                                                            report.exercise_title)
        found = problems(report, catalog if same else None, now, allow_unknown=True)
        refused += [f"{path}: {reason}" for reason in found]
    return refused
