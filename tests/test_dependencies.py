"""Same seed, same verdict on a fresh install: every package src/ imports is declared,
requirements.lock pins each declared one within its range, and this venv runs the locked
versions of the libraries that make verdicts (what every report records)."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions, version
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from kata.versions import LIBRARIES

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _declared() -> list[Requirement]:
    reqs = [Requirement(r) for r in PROJECT["dependencies"]]
    return reqs + [Requirement(r) for r in PROJECT["optional-dependencies"]["dev"]]


def _locked() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if m := re.match(r"^([A-Za-z0-9._-]+)==([^ ;]+)", line):
            pins[canonicalize_name(m[1])] = m[2]
    return pins


def _imported_by_src() -> set[str]:
    found = set()
    for path in (ROOT / "src" / "kata").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return {m for m in found if m not in sys.stdlib_module_names and m not in ("kata",
                                                                               "__future__")}


def test_every_import_of_src_is_declared():
    runtime = {canonicalize_name(Requirement(r).name) for r in PROJECT["dependencies"]}
    dists = packages_distributions()
    undeclared = {m: dists.get(m) for m in _imported_by_src()
                  if not {canonicalize_name(d) for d in dists.get(m, [])} & runtime}
    assert not undeclared, f"imported by src/ but not in [project] dependencies: {undeclared}"


def test_the_lock_pins_every_declared_package_within_its_range():
    pins = _locked()
    for req in _declared():
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is declared but not in requirements.lock"
        assert req.specifier.contains(pins[name], prereleases=True), (
            f"requirements.lock pins {req.name}=={pins[name]}, outside {req.specifier}")
        for extra in req.extras:  # psycopg[binary] -> psycopg-binary
            assert canonicalize_name(f"{req.name}-{extra}") in pins, (req, extra)


def test_this_venv_runs_the_locked_verdict_libraries():
    """scripts/env.sh installs with the lock as constraints; a venv that drifted from it
    would grade with other versions than CI and the Action."""
    pins = _locked()
    for dist in LIBRARIES.values():
        assert version(dist) == pins[canonicalize_name(dist)], (
            f"{dist} {version(dist)} here, {pins[canonicalize_name(dist)]} in requirements.lock:"
            " reinstall with `pip install -c requirements.lock -e '.[dev]'`")
