"""The learner's build context as kata rebuilds it: what to plant in it, which files are
code, which build steps install dependencies. Everything read here is the learner's and
untrusted: listings are bounded by app.files, and what kata plants is kata's own text."""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from kata.testing import GradedApp

if TYPE_CHECKING:
    from kata.sandbox.base import BuildStep

# Folders that are never the app's own code: tooling, environments, dependencies.
NOT_CODE = {".git", ".venv", "venv", "env", "node_modules", "__pycache__", "vendor",
            "dist", "build", "target", ".mypy_cache", ".pytest_cache", ".ruff_cache",
            ".idea", ".vscode", ".github", "tests", "test"}
# A code-only change: a comment appended to each source file, in the file's own syntax.
COMMENT = {".py": "#", ".rb": "#", ".js": "//", ".mjs": "//", ".cjs": "//", ".ts": "//",
           ".go": "//", ".rs": "//", ".java": "//", ".kt": "//", ".cs": "//", ".php": "//"}
MAX_CHANGED = 50  # source files kata changes at most
MAX_DIRS = 20  # top-level folders kata plants a __pycache__ in at most

# A RUN step that installs dependencies, by the package managers' own words.
INSTALLS = re.compile(
    r"\bpip3?\s+install\b|\buv\s+(pip\s+install|sync)\b|\bpoetry\s+install\b|"
    r"\bpipenv\s+(install|sync)\b|\bnpm\s+(ci|install|i)\b|\byarn(\s+install)?\s*($|&&|;|--)|"
    r"\bpnpm\s+(install|i)\b|\bbun\s+install\b|\bgo\s+mod\s+download\b|\bbundle\s+install\b|"
    r"\bcomposer\s+install\b|\bapt-get\s+(-\S+\s+)*install\b|\bapk\s+add\b|\bcargo\s+fetch\b")


def installs_dependencies(instruction: str) -> bool:
    return instruction.upper().startswith("RUN") and INSTALLS.search(instruction) is not None


def _prefix(app: GradedApp) -> str:
    files = app.files
    assert files is not None, "kata gave the grader no repository"  # kata's bug, not the app's
    return "" if files.context in ("", ".") else files.context.rstrip("/") + "/"


def _listed(app: GradedApp, pattern: str) -> list[str]:
    """Files matching ``pattern`` in the context, relative to it (app.files bounds it)."""
    assert app.files is not None
    prefix = _prefix(app)
    return [rel[len(prefix):] for rel in app.files.glob(prefix + pattern)]


def top_folders(app: GradedApp) -> list[str]:
    """The context's top-level folders that may hold code (where a __pycache__ would grow);
    only two levels are listed, so a huge .venv or node_modules is never walked."""
    dirs = sorted({PurePosixPath(f).parts[0] for f in _listed(app, "*/*")})
    return [d for d in dirs if not d.startswith(".") and d not in NOT_CODE][:MAX_DIRS]


def source_files(app: GradedApp) -> list[str]:
    """The app's source files: at the context's root and in its code folders."""
    found = [f for f in _listed(app, "*") if PurePosixPath(f).suffix in COMMENT]
    for d in top_folders(app):
        found += [f for f in _listed(app, f"{d}/**/*")
                  if PurePosixPath(f).suffix in COMMENT
                  and not set(PurePosixPath(f).parts[:-1]) & NOT_CODE]
    return found[:MAX_CHANGED]


def code_change(app: GradedApp, marker: str) -> dict[str, str]:
    """Each source file of the context with a comment appended: a change to the code alone."""
    assert app.files is not None
    add: dict[str, str] = {}
    for rel in source_files(app):
        text = app.files.read(_prefix(app) + rel)
        if text is not None:
            mark = COMMENT[PurePosixPath(rel).suffix]
            add[rel] = text + ("" if text.endswith("\n") else "\n") + f"{mark} {marker}\n"
    return add


def first_rebuilt(steps: list[BuildStep]) -> str | None:
    """The first build step that did not come from the cache (FROM is never "cached")."""
    return next((shown(s.instruction) for s in steps
                 if not s.cached and not s.instruction.upper().startswith("FROM")), None)


def shown(instruction: str, limit: int = 120) -> str:
    """A build step on one line, as short as a message wants it."""
    line = " ".join(instruction.split())
    return line if len(line) <= limit else line[:limit - 1] + "…"


def where(entries: list[str]) -> str:
    """The entries of a saved image in words: layers, or the config (ENV and history)."""
    layers = sum(1 for e in entries if e.endswith("layer.tar"))
    config = any(e.endswith(".json") or e.endswith("/json") for e in entries)
    parts = ([f"{layers} layer{'s' if layers > 1 else ''} (a file the build copied)"]
             if layers else []) + (["the image's config (its ENV and build history)"]
                                   if config else [])
    return " and ".join(parts) or ", ".join(entries[:3])
