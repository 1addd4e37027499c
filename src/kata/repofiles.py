"""The learner's files as a grader reads them: for exercises whose artefact is a file (a
workflow, a Dockerfile, a document), not only what the running app answers. Everything in
the repository is untrusted, so a read is bounded in size, a listing in count, and nothing
outside the repository is reached (a symlink to /etc/passwd reads as missing)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

MAX_FILE_BYTES = 1_000_000  # no artefact a grader reads (YAML, Markdown) is larger
MAX_LISTED = 1_000  # files a glob returns at most


class FileTooLarge(Exception):
    """A learner's file over MAX_FILE_BYTES: the learner's problem, shown as such."""


@dataclass(frozen=True)
class RepoFiles:
    root: Path  # the repository root (a monorepo's root, where .github/ lives)
    context: str = "."  # the exercise's build context, relative to root

    def _inside(self, rel: str) -> Path | None:
        path = (self.root / rel).resolve()
        root = self.root.resolve()
        return path if path == root or path.is_relative_to(root) else None

    def read(self, rel: str, max_bytes: int = MAX_FILE_BYTES) -> str | None:
        """The text of ``rel`` (relative to the root), or None when it is not a file in the
        repository; FileTooLarge over ``max_bytes``. Undecodable bytes become U+FFFD."""
        path = self._inside(rel)
        if path is None or not path.is_file():
            return None
        with path.open("rb") as f:
            data = f.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise FileTooLarge(f"{rel} is larger than {max_bytes} bytes")
        return data.decode("utf-8", "replace")

    def glob(self, pattern: str) -> list[str]:
        """Files matching ``pattern`` (relative to the root, e.g. ``.github/workflows/*.yml``),
        sorted, at most MAX_LISTED, each inside the repository."""
        found: list[str] = []
        root = self.root.resolve()
        for path in sorted(self.root.glob(pattern)):
            if len(found) >= MAX_LISTED:
                break
            real = path.resolve()
            if path.is_file() and real.is_relative_to(root):
                found.append(path.relative_to(self.root).as_posix())
        return found
