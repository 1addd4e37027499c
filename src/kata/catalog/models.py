"""The exercise format: what ``exercises/<id>/exercise.toml`` may say, validated on load."""

from __future__ import annotations

import string
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from kata.catalog.graders import GraderOptions, check_thresholds
from kata.stack import STACKS

_ID = r"^[a-z0-9][a-z0-9-]*$"
# A requirement measured over time (a load test) states how long in this threshold.
MEASURED_FOR = "duration_s"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Readiness(_Strict):
    """How kata knows the app answers. A connect alone proves nothing (docker-proxy
    accepts for anyone), so every probe needs a real reply."""

    probe: Literal["http", "resp", "none"] = "http"
    path: str = "/"  # http: the health endpoint; any status < 500 counts when path is "/"
    expect_status: int | None = None  # http: exact status wanted (200 for a named health path)
    timeout_s: float = 60.0


class App(_Strict):
    # server: kata starts the image and talks to its port; cli: kata runs the image as a
    # command; document: the repository itself is graded (a design document), nothing is
    # built or started but the exercise's services; compose: the unit is the learner's
    # compose file (kata.sandbox.compose), and kata reaches its `gateway` service at `port`.
    kind: Literal["server", "cli", "document", "compose"] = "server"
    port: int = 8000
    gateway: str = ""  # compose: the service graders talk to
    readiness: Readiness = Readiness()
    data_dir: str | None = None  # cli: a volume kept across runs, mounted here
    # Extra environment the exercise gives the app (beyond PORT and service URLs).
    env: dict[str, str] = {}
    # How kata runs the image, in the spec's words, where the kind's usual sentence would be
    # wrong (ci-pipeline runs a workflow's test command, not the ENTRYPOINT); `kata show`.
    runs: str = ""
    # kata's init (tini) runs as PID 1 and forwards signals; an exercise that grades the
    # image's own PID-1 handling (graceful shutdown) turns it off.
    init: bool = True

    @model_validator(mode="after")
    def _gateway_for_compose(self) -> App:
        if (self.kind == "compose") != bool(self.gateway):
            raise ValueError("`gateway` names the compose service graders reach: set it "
                             "with kind = \"compose\", and only then")
        return self


class Service(_Strict):
    """A container kata starts beside the app (PostgreSQL, Redis, a mock provider…)."""

    image: str
    env: dict[str, str] = {}
    # Hostnames the app can use on the private network, besides the service's key.
    aliases: list[str] = []
    # A command run inside the service container; exit 0 means it is ready.
    ready: list[str]
    ready_timeout_s: float = 60.0
    # What the app needs to reach it (port, user, password, name…), for kata.toml's env
    # templates ({db.user}) and the exports; `host`, its hostname, kata adds.
    facts: dict[str, str] = {}
    # Environment the app receives: templates over the facts, e.g. "{host}:{port}".
    exports: dict[str, str] = {}
    # Replaces the image's CMD, e.g. ["postgres", "-c", "shared_preload_libraries=…"].
    command: list[str] = []
    # Files of the exercise folder copied into the container before it starts: container
    # path -> a file or folder relative to exercises/<id>/ (e.g. a schema and seed that the
    # postgres image runs at init from /docker-entrypoint-initdb.d).
    files: dict[str, str] = {}

    @field_validator("files")
    @classmethod
    def _files_stay_inside(cls, files: dict[str, str]) -> dict[str, str]:
        for target, source in files.items():
            if not target.startswith("/"):
                raise ValueError(f"files: {target!r}: the container path must be absolute")
            if Path(source).is_absolute() or ".." in Path(source).parts:
                raise ValueError(f"files: {source!r}: a path inside the exercise folder")
        return files

    @model_validator(mode="after")
    def _exports_use_facts(self) -> Service:
        for fact in self.facts:
            if fact == "host" or not fact.isidentifier():
                raise ValueError(f"fact {fact!r}: a fact is a name (host is kata's)")
        known = {"host", *self.facts}
        for key, template in self.exports.items():
            for _, name, _, _ in string.Formatter().parse(template):
                if name is not None and name not in known:
                    raise ValueError(f"export {key} uses {{{name}}}, which is not a fact "
                                     f"(facts: {', '.join(sorted(known))})")
        return self

    def facts_at(self, host: str) -> dict[str, str]:
        """The facts with ``host`` the service's hostname on the run's network."""
        return {"host": host, **self.facts}


class Requirement(_Strict):
    id: str = Field(pattern=_ID)
    title: str
    points: int = Field(ge=0)
    grader: str
    hint: str = ""
    # Stack-specific tips shown beside the hint when kata recognises the repo's stack,
    # keyed by a stack id of kata.stack.STACKS (e.g. { fastapi = "…", express = "…" }).
    tips: dict[str, str] = {}
    partial: bool = False
    hidden: bool = False
    timeout_s: float = 60.0
    thresholds: dict[str, Any] = {}
    # Requirements whose plainest form this one's tests use: when one of them fails, this
    # one is not graded (0 points, no hint) rather than failing on a knock-on.
    needs: list[str] = []
    # Its tests may leave the app broken (malformed input, restarts): graded last.
    destructive: bool = False
    # Its verdict rests on time its tests measure (a cache hit against a miss, a login's
    # duration): its tests run alone on the host (kata.gate), like a load phase.
    timed: bool = False


    @field_validator("tips")
    @classmethod
    def _known_stacks(cls, tips: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(tips) - set(STACKS))
        if unknown:
            raise ValueError(f"tips name unknown stacks {unknown}; known: {sorted(STACKS)}")
        return tips

    @property
    def measured(self) -> bool:
        """Its verdict rests on a measurement (``timed``, or a ``duration_s`` it measures
        over): its checks must run alone on the host (`kata.gate`)."""
        return self.timed or MEASURED_FOR in self.thresholds


class Tiebreaker(_Strict):
    """Orders learners with the same best score on the leaderboard, by a number a grader
    measured (``app.measure(p95_ms=…)``); a learner without the number ranks after."""

    measurement: str
    order: Literal["asc", "desc"] = "asc"  # asc: smaller is better (latency), desc: larger
    requirement: str | None = None  # whose measurement, when several requirements have it


class Limits(_Strict):
    cpus: float = 1.0
    memory_mb: int = 512
    pids: int = 256
    build_timeout_s: float = 600.0
    # What the app may write into its container's own filesystem (and the largest file).
    disk_mb: int = 1024


class Exercise(_Strict):
    id: str = Field(pattern=_ID)
    version: str
    week: int = Field(ge=1, le=12)
    title: str
    summary: str = ""
    pass_mark: int = Field(ge=0, le=100, description="percent of the points")
    app: App = App()
    services: dict[str, Service] = {}
    limits: Limits = Limits()
    # Grader options, e.g. [graders.schema] max_examples = 20 (typed in catalog/graders.py).
    graders: GraderOptions = GraderOptions()
    requirements: list[Requirement]
    # Leaderboard order among equal best scores, e.g. [{ measurement = "p95_ms" }].
    tiebreakers: list[Tiebreaker] = []
    # Filled in by the loader, not by the file.
    root: Path = Path(".")

    @field_validator("requirements")
    @classmethod
    def _unique_ids(cls, reqs: list[Requirement]) -> list[Requirement]:
        seen: set[str] = set()
        for r in reqs:
            if r.id in seen:
                raise ValueError(f"requirement id {r.id!r} appears twice")
            seen.add(r.id)
        if not reqs:
            raise ValueError("an exercise needs at least one requirement")
        return reqs

    @model_validator(mode="after")
    def _thresholds_fit_their_graders(self) -> Exercise:
        for r in self.requirements:
            if problem := check_thresholds(r.grader, r.thresholds):
                raise ValueError(f"requirement {r.id!r} (grader {r.grader}): thresholds: "
                                 f"{problem}")
        return self

    @model_validator(mode="after")
    def _documents_have_no_app_graders(self) -> Exercise:
        if self.app.kind == "document":
            for r in self.requirements:
                if r.grader in ("boot", "schema", "load"):  # they talk to a running app
                    raise ValueError(
                        f"requirement {r.id!r}: grader {r.grader!r} needs an app, and a "
                        "document exercise has none; use grader = \"contract\"")
        return self

    @model_validator(mode="after")
    def _services_named_well(self) -> Exercise:
        for name in self.services:
            if not name.replace("-", "").isalnum():
                raise ValueError(f"service name {name!r} must be alphanumeric (it is a hostname)")
        return self

    @model_validator(mode="after")
    def _service_files_exist(self) -> Exercise:
        if self.root == Path("."):  # not loaded from a folder (a model built in a test)
            return self
        for name, svc in self.services.items():
            for source in svc.files.values():
                if not (self.root / source).exists():
                    raise ValueError(f"services.{name}.files: {source!r} is not in "
                                     f"{self.root.name}/")
        return self

    @model_validator(mode="after")
    def _tiebreakers_name_requirements(self) -> Exercise:
        ids = {r.id for r in self.requirements}
        for t in self.tiebreakers:
            if t.requirement is not None and t.requirement not in ids:
                raise ValueError(f"tiebreaker names requirement {t.requirement!r}, which does "
                                 "not exist")
        return self

    @model_validator(mode="after")
    def _needs_exist_without_cycles(self) -> Exercise:
        ids = {r.id for r in self.requirements}
        for r in self.requirements:
            unknown = [n for n in r.needs if n not in ids]
            if unknown:
                raise ValueError(f"requirement {r.id!r} needs {unknown}, which do not exist")
        self.grading_order()  # raises on a cycle
        return self

    def grading_order(self) -> list[Requirement]:
        """Requirements in the order they are graded: what they need first, then exercise
        order with destructive ones last (so their damage cannot cost another's points)."""
        by_id = {r.id: r for r in self.requirements}
        rank = {r.id: (r.destructive, i) for i, r in enumerate(self.requirements)}
        order: list[Requirement] = []
        done: set[str] = set()

        def visit(rid: str, path: tuple[str, ...]) -> None:
            if rid in done:
                return
            if rid in path:
                cycle = " → ".join((*path[path.index(rid):], rid))
                raise ValueError(f"requirements need each other in a cycle: {cycle}")
            for n in sorted(by_id[rid].needs, key=rank.__getitem__):
                visit(n, (*path, rid))
            done.add(rid)
            order.append(by_id[rid])

        for rid in sorted(rank, key=rank.__getitem__):
            visit(rid, ())
        return order

    def needed_by(self, ids: set[str]) -> set[str]:
        """``ids`` and every requirement they need, directly or not."""
        out, todo = set(), list(ids)
        while todo:
            rid = todo.pop()
            if rid not in out:
                out.add(rid)
                todo += self.requirement(rid).needs
        return out

    @property
    def max_points(self) -> int:
        return sum(r.points for r in self.requirements)

    @property
    def graders_used(self) -> list[str]:
        return list(dict.fromkeys(r.grader for r in self.requirements))

    def requirement(self, rid: str) -> Requirement:
        for r in self.requirements:
            if r.id == rid:
                return r
        raise KeyError(rid)

    @property
    def spec_path(self) -> Path:
        return self.root / "spec.md"

    @property
    def reference_path(self) -> Path:
        return self.root / "reference"

    @property
    def mutants_path(self) -> Path:
        return self.root / "mutants"

