"""A learner's previous results for a repo, kept locally, so each grade shows what changed:
"+15 since last run: pagination now passes; p95_ms regressed 38 → 71"."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from kata.paths import state_dir
from kata.report import Report

REGRESSION = 0.10  # a measurement must move by more than this share to be called a change
MIN_MS = 5.0  # latencies closer than this are the same to a learner
NOISY = {"boot_s"}  # varies run to run with the machine's load; not worth a line
NOT_THE_LEARNERS = ("ref_", "bound_")  # the reference's figures and the SLO bounds


def summary(report: Report) -> dict:
    return {
        "earned": report.score.earned,
        "at": report.run.started_at.isoformat(),
        "requirements": {
            r.id: {"status": r.status, "measurements": r.measurements} for r in report.requirements
        },
    }


def _path(exercise_id: str, repo_path: str) -> Path:
    key = hashlib.sha1(repo_path.encode()).hexdigest()[:16]
    return state_dir() / "history" / f"{exercise_id}-{key}.json"


def load_previous(report: Report) -> dict | None:
    try:
        return json.loads(_path(report.exercise_id, report.repo_path).read_text())
    except (OSError, ValueError):
        return None


def save(report: Report) -> None:
    path = _path(report.exercise_id, report.repo_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(summary(report)))
    tmp.replace(path)  # atomic: an interrupted save leaves the previous one intact


def _higher_is_better(name: str) -> bool:
    return "per_s" in name or name.endswith(("rps", "ops", "_ratio_up"))


@dataclass
class Delta:
    points: float
    now_pass: list[str] = field(default_factory=list)
    now_fail: list[str] = field(default_factory=list)
    improved: list[tuple[str, float, float]] = field(default_factory=list)
    regressed: list[tuple[str, float, float]] = field(default_factory=list)

    def line(self, exercise_id: str) -> str:
        parts = [f"{exercise_id}.{r} now passes" for r in self.now_pass]
        parts += [f"{exercise_id}.{r} now fails" for r in self.now_fail]
        parts += [f"{exercise_id}.{m} regressed {a:g} → {b:g}" for m, a, b in self.regressed]
        parts += [f"{exercise_id}.{m} improved {a:g} → {b:g}" for m, a, b in self.improved]
        head = f"{self.points:+g} since last run"
        return head + (": " + "; ".join(parts) if parts else "")


def delta(previous: dict, current: dict) -> Delta:
    """What changed between two summaries (pure)."""
    d = Delta(points=round(current["earned"] - previous["earned"], 2))
    before = previous.get("requirements", {})
    for rid, now in current["requirements"].items():
        was = before.get(rid)
        if was is None:
            continue
        if was["status"] != "pass" and now["status"] == "pass":
            d.now_pass.append(rid)
        elif was["status"] == "pass" and now["status"] != "pass":
            d.now_fail.append(rid)
        for name, new in now.get("measurements", {}).items():
            old = was.get("measurements", {}).get(name)
            if old is None or new is None or old == 0 or name in NOISY \
                    or name.startswith(NOT_THE_LEARNERS):
                continue
            if name.endswith("_ms") and abs(new - old) < MIN_MS:
                continue
            change = (new - old) / abs(old)
            better = change > 0 if _higher_is_better(name) else change < 0
            if abs(change) > REGRESSION:
                (d.improved if better else d.regressed).append((name, old, new))
    return d
