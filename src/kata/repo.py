"""The learner's repository: where its Dockerfile is, what its kata.toml says, its commit."""

from __future__ import annotations

import subprocess
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from kata.errors import NoDockerfile, NotARepo, OutsideRepo, UsageError

DOCKERFILE_NAMES = ("Dockerfile", "dockerfile", "Dockerfile.prod", "Containerfile")
SKIP_DIRS = {".git", "node_modules", ".venv", "venv", "__pycache__"}


@dataclass(frozen=True)
class Repo:
    path: Path
    config: dict = field(default_factory=dict)  # kata.toml, if any

    @property
    def exercises(self) -> list[str]:
        """The exercise ids kata.toml names (``exercise = "x"`` or ``exercises = [...]``)."""
        one = self.config.get("exercise")
        many = self.config.get("exercises", [])
        return [one] if one else list(many)

    def dockerfile(self) -> Path:
        """The Dockerfile kata builds: kata.toml's ``dockerfile``, else one at the root."""
        named = self.config.get("dockerfile")
        if named:
            path = (self.path / named).resolve()
            if not path.is_file() or not path.is_relative_to(self.path.resolve()):
                raise NoDockerfile(
                    f"kata.toml names dockerfile = {named!r}, which is not a file in the repo",
                    "fix the path in kata.toml (relative to the repository root)",
                )
            return path
        for name in DOCKERFILE_NAMES:
            if (self.path / name).is_file():
                if not (self.path / name).resolve().is_relative_to(self.path.resolve()):
                    raise OutsideRepo(f"{name} is a link to a file outside the repository",
                                      f"commit the {name} itself, not a link to it")
                return self.path / name
        elsewhere = self.find_nested_dockerfiles()
        if elsewhere:
            rel = elsewhere[0].relative_to(self.path)
            raise NoDockerfile(
                f"no Dockerfile at the repository root (found {rel})",
                f'add `dockerfile = "{rel}"` to kata.toml at the repository root, '
                "or move the Dockerfile to the root",
            )
        raise NoDockerfile(
            "no Dockerfile in the repository",
            "add a Dockerfile at the repository root that builds and starts your app",
        )

    def build_context(self) -> Path:
        """Dockerfiles in subfolders usually expect their own folder as the context."""
        if self.config.get("context"):
            context = (self.path / self.config["context"]).resolve()
            if not context.is_dir() or not context.is_relative_to(self.path.resolve()):
                raise OutsideRepo(
                    f"kata.toml names context = {self.config['context']!r}, which is not a "
                    "folder in the repository",
                    "the build context must be the repository or a folder inside it",
                )
            return context
        return self.dockerfile().parent

    def find_nested_dockerfiles(self) -> list[Path]:
        found = []
        for p in sorted(self.path.rglob("*")):
            if any(part in SKIP_DIRS for part in p.relative_to(self.path).parts):
                continue
            if p.is_file() and p.name in DOCKERFILE_NAMES:
                found.append(p)
            if len(found) >= 5:
                break
        return found

    def commit(self) -> str | None:
        try:
            done = subprocess.run(
                ["git", "-C", str(self.path), "rev-parse", "HEAD"],
                capture_output=True, text=True, timeout=10,
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
        return done.stdout.strip() or None if done.returncode == 0 else None

    def dirty(self) -> bool:
        """Whether the work tree differs from its commit (changed or untracked files), so
        a report does not pass off uncommitted work as the commit's. The repository is
        untrusted and ``git status`` would run what its config names (an fsmonitor hook,
        clean filters): fsmonitor is switched off, and a repository whose config declares
        a filter driver is not inspected (reported clean)."""
        git = ["git", "-C", str(self.path), "-c", "core.fsmonitor=false",
               "-c", "core.untrackedCache=false"]
        try:
            filters = subprocess.run(git + ["config", "--get-regexp", r"^filter\."],
                                     capture_output=True, text=True, timeout=10)
            if filters.stdout.strip():
                return False
            done = subprocess.run(
                git + ["--no-optional-locks", "status", "--porcelain",
                       "--ignore-submodules=all"],
                capture_output=True, text=True, timeout=10,
            )
        except (OSError, subprocess.TimeoutExpired):
            return False
        return done.returncode == 0 and bool(done.stdout.strip())


def open_repo(path: Path) -> Repo:
    if not path.exists():
        raise UsageError(f"{path} does not exist", "pass the path of your repository")
    if not path.is_dir():
        raise NotARepo(f"{path} is not a folder", "pass the folder of your repository")
    config: dict = {}
    cfg = path / "kata.toml"
    if cfg.is_file():
        try:
            config = tomllib.loads(cfg.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as e:
            raise UsageError(f"{cfg} is not valid TOML: {e}", "fix kata.toml") from None
    return Repo(path=path.resolve(), config=config)
