"""Calibration: the exercise's reference solution measured under the same load profile on
this machine, so load SLOs can be stated relative to what this host can do.

A measurement is valid for as long as what it depends on stays the same: kata's version,
the exercise (id, version, the reference's files), the load profile (options and the
locustfile's text), the CPU (model and count) and the limits the app runs under. Those
make the cache key; the figures live as JSON in ``<state dir>/calibration/<key>.json``,
so a warm grade does not pay for a calibration again. ``kata grade --recalibrate`` forces
a fresh one.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kata.paths import state_dir

SKIP_PARTS = {"__pycache__", ".git", ".pytest_cache", ".mypy_cache", ".venv", "node_modules"}


def folder_digest(folder: Path) -> str:
    """A hash of a folder's files (paths and bytes): what identifies a reference build."""
    h = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = path.relative_to(folder)
        if SKIP_PARTS & set(rel.parts) or path.suffix == ".pyc":
            continue
        h.update(str(rel).encode() + b"\0")
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def host_facts() -> dict[str, Any]:
    """The CPU a calibration was measured on: model and count."""
    model = ""
    try:
        for row in Path("/proc/cpuinfo").read_text().splitlines():
            if row.lower().startswith(("model name", "hardware", "cpu model")):
                model = row.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    if not model:
        import platform

        model = platform.processor() or platform.machine()
    return {"cpu_model": model, "cpu_count": os.cpu_count() or 1}


def calibration_key(parts: dict[str, Any]) -> str:
    """A stable key from everything that makes a calibration valid (any JSON-able data)."""
    canonical = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:24]


@dataclass
class Calibration:
    key: str
    figures: dict[str, float]  # the reference's p95_ms, rps, error_rate, …
    measured_at: str = ""
    basis: dict[str, Any] = field(default_factory=dict)  # what the key was made of
    detail: dict[str, Any] = field(default_factory=dict)  # e.g. the per-endpoint breakdown


def cache_dir() -> Path:
    return state_dir() / "calibration"


def _path(key: str) -> Path:
    return cache_dir() / f"{key}.json"


def load(key: str) -> Calibration | None:
    try:
        data = json.loads(_path(key).read_text())
        return Calibration(**data)
    except (OSError, ValueError, TypeError):
        return None  # missing or unreadable: measure again


def save(cal: Calibration) -> None:
    path = _path(cal.key)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(asdict(cal), indent=1, sort_keys=True))
    tmp.replace(path)  # atomic: a concurrent reader sees the old file or the new one


class NotCalibrated(Exception):
    """The measurement could not serve as a calibration (e.g. the generator saturated)."""


def calibrated(key: str, basis: dict[str, Any],
               measure: Callable[[], tuple[dict[str, float], dict[str, Any]]],
               force: bool = False) -> tuple[Calibration, bool]:
    """The cached calibration for ``key``, or a fresh one from ``measure()`` (which may raise
    NotCalibrated; nothing is cached then). Returns (calibration, measured just now)."""
    if not force:
        cached = load(key)
        if cached is not None:
            return cached, False
    figures, detail = measure()
    cal = Calibration(key=key, figures=figures, basis=basis, detail=detail,
                      measured_at=datetime.now(UTC).isoformat(timespec="seconds"))
    save(cal)
    return cal, True
