"""The learner's repository: where its Dockerfile is, what its kata.toml says, its commit."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field, replace
from pathlib import Path

from kata import repoconfig
from kata.errors import NoDockerfile, NotARepo, OutsideRepo, UsageError
from kata.repoconfig import AppConfig, RepoConfig

DOCKERFILE_NAMES = ("Dockerfile", "dockerfile", "Dockerfile.prod", "Containerfile")
SKIP_DIRS = {".git", "node_modules", ".venv", "venv", "__pycache__"}


@dataclass(frozen=True)
class Repo:
    path: Path  # the repository root (resolved)
    config: RepoConfig = field(default_factory=RepoConfig)  # kata.toml, if any
    # How to build and run the exercise being graded: kata.toml's top-level keys, or its
    # [exercises.<id>] table once ``for_exercise`` picked one.
    app: AppConfig = field(default_factory=AppConfig)

    @property
    def exercises(self) -> list[str]:
        """The exercise ids kata.toml names (``exercise``, ``exercises`` or its tables)."""
        return self.config.exercise_ids

    def for_exercise(self, exercise_id: str) -> Repo:
        """This repository as graded for one exercise (a monorepo's table, if it has one)."""
        return replace(self, app=self.config.app_for(exercise_id))

    def dockerfile(self) -> Path:
        """The Dockerfile kata builds: kata.toml's ``dockerfile``, else one in ``context``,
        else one at the root."""
        named = self.app.dockerfile
        if named:
            path = self._inside(named, "dockerfile")
            if not path.is_file():
                raise NoDockerfile(
                    f"kata.toml names dockerfile = {named!r}, which is not a file in the repo",
                    "fix the path in kata.toml (relative to the repository root)",
                )
            return path
        folder = self.build_context() if self.app.context else self.path
        for name in DOCKERFILE_NAMES:
            if (folder / name).is_file():
                if not (folder / name).resolve().is_relative_to(self.path):
                    raise OutsideRepo(f"{name} is a link to a file outside the repository",
                                      f"commit the {name} itself, not a link to it")
                return folder / name
        if self.app.context:
            raise NoDockerfile(
                f"no Dockerfile in {self.app.context!r} (kata.toml's context)",
                'name it in kata.toml: `dockerfile = "path/to/Dockerfile"` (relative to the '
                "repository root)",
            )
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
        """kata.toml's ``context``; else the Dockerfile's folder (Dockerfiles in subfolders
        usually expect their own folder as the context)."""
        if self.app.context:
            context = self._inside(self.app.context, "context")
            if not context.is_dir():
                raise NoDockerfile(
                    f"kata.toml names context = {self.app.context!r}, which is not a folder "
                    "in the repository",
                    "fix the path in kata.toml (relative to the repository root)",
                )
            return context
        return self.dockerfile().parent

    def _inside(self, named: str, key: str) -> Path:
        """A path kata.toml names, resolved; a path (or link) that leads out is refused."""
        path = (self.path / named).resolve()
        if not path.is_relative_to(self.path):
            raise OutsideRepo(
                f"kata.toml names {key} = {named!r}, which leads outside the repository",
                f"the {key} must be in the repository (a path relative to its root, not a "
                "link out of it)",
            )
        return path

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
    """The repository at ``path`` with its kata.toml read and validated (exit 2 when the
    file is wrong; a kata.toml that is a link out of the repository is refused)."""
    if not path.exists():
        raise UsageError(f"{path} does not exist", "pass the path of your repository")
    if not path.is_dir():
        raise NotARepo(f"{path} is not a folder", "pass the folder of your repository")
    root = path.resolve()
    cfg = root / repoconfig.FILE
    config = RepoConfig()
    if cfg.is_symlink() or cfg.exists():
        if not cfg.resolve().is_relative_to(root):
            raise OutsideRepo(f"{cfg} is a link to a file outside the repository",
                              "commit kata.toml itself, not a link to it")
        if cfg.is_file():
            config = repoconfig.load(cfg)
    return Repo(path=root, config=config, app=config.top)


def exercise_repos(repo: Repo, ids: list[str]) -> list[tuple[str, Repo]]:
    """The (exercise id, repository as graded for it) pairs among ``ids`` that a repository
    says it solves: its kata.toml's own (tables: each from its own folder), else a kata.toml
    in each subfolder of a monorepo naming its exercise."""
    named = [i for i in repo.exercises if i in ids]
    if named:
        return [(i, repo.for_exercise(i)) for i in named]
    pairs = []
    for sub in sorted(p for p in repo.path.iterdir() if p.is_dir()):
        if not (sub / repoconfig.FILE).is_file() or sub.name in SKIP_DIRS:
            continue
        if not sub.resolve().is_relative_to(repo.path):
            raise OutsideRepo(f"{sub.name} is a link to a folder outside the repository",
                              f"commit the folder {sub.name} itself, not a link to it")
        inner = open_repo(sub)
        pairs += [(i, inner.for_exercise(i)) for i in inner.exercises if i in ids]
    return pairs
