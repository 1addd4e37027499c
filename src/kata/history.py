"""A learner's previous results for a repo, kept locally, so each grade shows what changed:
"+15 since last run: pagination now passes; p95_ms regressed 38 → 71".

What it reports: points, verdicts, and the load figures an SLO judges against the reference
solution, only when one moved by more than the reference itself did between the two runs
(the spread measured for it on this machine; a floor of 10%). Everything else a stage
measures (the generator's CPU and lag, request counts, boot time) is kata's own business."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from kata.paths import state_dir
from kata.report import Report

REGRESSION = 0.10  # the least share a load figure must move by to be called a change
MIN_MS = 5.0  # latencies closer than this are the same to a learner
REFERENCE = "ref_"  # ref_<figure>: the reference solution's figure, measured beside it
SPREAD = "spread_"  # spread_<figure>: the reference's run-to-run spread, where measured

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
        for name, old, new in _load_figures(was.get("measurements", {}),
                                            now.get("measurements", {})):
            change = (new - old) / abs(old)
            better = change > 0 if _higher_is_better(name) else change < 0
            (d.improved if better else d.regressed).append((name, old, new))
    return d


def _load_figures(before: dict, now: dict) -> list[tuple[str, float, float]]:
    """(figure, before, now) for each load figure that moved beyond the reference's spread.
    A figure without a reference figure in both runs is not the learner's to track."""
    moved = []
    for name, new in now.items():
        old = before.get(name)
        if name.startswith((REFERENCE, SPREAD, "bound_")) or old is None or new is None \
                or old == 0:
            continue
        ref_old, ref_new = before.get(REFERENCE + name), now.get(REFERENCE + name)
        if ref_old is None or ref_new is None:
            continue
        if name.endswith("_ms") and abs(new - old) < MIN_MS:
            continue
        spread = max(REGRESSION, float(now.get(SPREAD + name) or 0),
                     float(before.get(SPREAD + name) or 0),
                     abs(ref_new - ref_old) / abs(ref_old) if ref_old else 0.0)
        if abs(new - old) / abs(old) > spread:
            moved.append((name, old, new))
    return moved
