"""The learner's stack, recognised from the files at the top of the repository.

kata's requirement titles and hints say what the protocol requires; a tip in the words of
a framework (``HTTPException``, ``app.listen``) is shown only when kata recognises the
stack here. The repository is untrusted: only regular files at the top of the given
folders are read (no symlink, FIFO or device), each up to ``MAX_BYTES``.
"""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path

MAX_BYTES = 64 * 1024

# Every stack id kata knows, with the family whose tip serves it when it has none of its
# own (a `python` tip is shown to a Flask repo whose requirement has no `flask` tip).
STACKS: dict[str, str | None] = {
    "fastapi": "python", "flask": "python", "django": "python", "python": None,
    "express": "node", "nest": "node", "node": None,
    "go": None, "rust": None, "java": None,
}
NAMES = {"fastapi": "FastAPI", "flask": "Flask", "django": "Django", "python": "Python",
         "express": "Express", "nest": "NestJS", "node": "Node.js", "go": "Go",
         "rust": "Rust", "java": "Java"}

_PYTHON_FILES = ("pyproject.toml", "requirements.txt", "Pipfile", "setup.py", "setup.cfg")
# Where a project names several frameworks, the first in this order wins.
_PYTHON_FRAMEWORKS = (("fastapi", "fastapi"), ("django", "django"), ("flask", "flask"))


def read_bounded(path: Path, limit: int = MAX_BYTES) -> str | None:
    """The first ``limit`` bytes of a regular file, never following a symlink and never
    blocking on a FIFO; None if it is anything else or unreadable."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        return os.read(fd, limit).decode("utf-8", errors="replace")
    except OSError:
        return None
    finally:
        os.close(fd)


def _python(folder: Path) -> str | None:
    texts = [t for name in _PYTHON_FILES if (t := read_bounded(folder / name)) is not None]
    if not texts:
        return None
    joined = "\n".join(texts).lower()
    for stack, word in _PYTHON_FRAMEWORKS:
        if re.search(rf"(?<![\w-]){word}(?![\w-])", joined):
            return stack
    return "python"


def _node(folder: Path) -> str | None:
    text = read_bounded(folder / "package.json")
    if text is None:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return "node"
    deps: set[str] = set()
    if isinstance(data, dict):
        for key in ("dependencies", "devDependencies"):
            if isinstance(data.get(key), dict):
                deps |= set(data[key])
    if "@nestjs/core" in deps:
        return "nest"
    if "express" in deps:
        return "express"
    return "node"


def _single(folder: Path) -> str | None:
    for names, stack in ((("go.mod",), "go"), (("Cargo.toml",), "rust"),
                         (("pom.xml", "build.gradle", "build.gradle.kts"), "java")):
        if any(read_bounded(folder / n) is not None for n in names):
            return stack
    return None


def detect(*folders: Path) -> str | None:
    """The stack of the first folder (e.g. the build context, then the repository root)
    whose files name one; None when none does."""
    for folder in folders:
        for probe in (_python, _node, _single):
            if found := probe(folder):
                return found
    return None


def tip_for(tips: dict[str, str], stack: str | None) -> str:
    """The tip for ``stack``, else for its family, else ""."""
    if stack is None:
        return ""
    return tips.get(stack) or tips.get(STACKS.get(stack) or "", "")
