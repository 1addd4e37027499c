"""kata.toml: what a learner's repository tells kata about itself, validated once, here.

A repository not written for kata says in kata.toml how to build and run it (where the
Dockerfile is, the port, the command, the health path, the environment), so it is graded
without edits. The file is untrusted input: an unknown key or a wrong type is one message
naming the key (with a did-you-mean), exit 2, never a traceback. The reference page
docs/kata-toml.md is produced from these models (``reference()``), so it cannot drift.
"""

from __future__ import annotations

import difflib
import re
import shlex
import string
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from kata.catalog.models import Exercise
from kata.errors import UsageError

FILE = "kata.toml"
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_PLACEHOLDER = re.compile(r"^([A-Za-z0-9-]+)\.([A-Za-z_][A-Za-z0-9_]*)$")


class KataTomlInvalid(UsageError):
    """kata.toml says something kata cannot use (exit 2: the user fixes the file)."""


class AppConfig(BaseModel):
    """How to build and run one exercise's app: the keys at the top of kata.toml, or in
    each ``[exercises.<id>]`` table of a monorepo."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    context: str | None = Field(None, description=(
        "The build context: the folder `docker build` is run in, relative to the repository "
        "root. Default: the Dockerfile's folder."),
        json_schema_extra={"example": 'context = "."', "expects": "a folder path (a string)"})
    dockerfile: str | None = Field(None, description=(
        "The Dockerfile to build, relative to the repository root. Default: a Dockerfile in "
        "`context` if given, else at the root."),
        json_schema_extra={"example": 'dockerfile = "docker/app/Dockerfile"',
                           "expects": "a file path (a string)"})
    port: int | None = Field(None, ge=1, le=65535, description=(
        "The port the app listens on, when it is not the exercise's: kata probes and grades "
        "it there, and still sets `PORT` (to this port)."),
        json_schema_extra={"example": "port = 9090", "expects": "a port number (1-65535)"})
    command: str | list[str] | None = Field(None, description=(
        "Replaces the image's CMD (the ENTRYPOINT stays), as compose's `command` does: a "
        "string is split like a shell line but run without a shell (write "
        "`sh -c '…'` to expand variables); a list is used as is. For a CLI exercise it is "
        "the program the graders' arguments are appended to."),
        json_schema_extra={"example": 'command = "uvicorn main:app --host 0.0.0.0 --port 9090"',
                           "expects": "a string or a list of strings"})
    health: str | None = Field(None, description=(
        "The path kata asks (HTTP GET) to know the app is up, for exercises probed over "
        "HTTP, when it is not the exercise's."),
        json_schema_extra={"example": 'health = "/healthz"',
                           "expects": 'a path such as "/healthz"'})
    env: dict[str, str] = Field({}, description=(
        "Environment variables for the app, laid over what the exercise sets. A value may "
        "name the facts of the exercise's services as `{service.fact}` (`kata show <id>` "
        "lists them); `{{` and `}}` are literal braces."),
        json_schema_extra={
            "example": '[env]\nDATABASE_URL = "postgresql+asyncpg://{db.user}:{db.password}'
                       '@{db.host}:{db.port}/{db.name}"\nAPP_SECRET = "not-a-secret"',
            "expects": "a table of strings"})

    @field_validator("command")
    @classmethod
    def _command_splits(cls, v: str | list[str] | None) -> str | list[str] | None:
        if v is None:
            return v
        try:
            argv = shlex.split(v) if isinstance(v, str) else v
        except ValueError as e:
            raise ValueError(f"command {v!r} cannot be split into words ({e})") from None
        if not argv or not argv[0]:
            raise ValueError("command is empty: give the program to run")
        return v

    @field_validator("health")
    @classmethod
    def _health_is_a_path(cls, v: str | None) -> str | None:
        if v is not None and not v.startswith("/"):
            raise ValueError(f"health = {v!r} is not a path: it must start with / "
                             f'(e.g. "/{v.lstrip("/")}")')
        return v

    @field_validator("env")
    @classmethod
    def _env_is_well_formed(cls, env: dict[str, str]) -> dict[str, str]:
        for name, template in env.items():
            if not _ENV_NAME.match(name):
                raise ValueError(f"env name {name!r} is not a variable name "
                                 "(letters, digits and _, not starting with a digit)")
            if name == "PORT":
                raise ValueError("env sets PORT: kata sets it; write `port = N` instead")
            placeholders(name, template)  # raises on a malformed template
        return env

    @property
    def argv(self) -> list[str] | None:
        """``command`` as the argument list Docker runs."""
        if self.command is None:
            return None
        return shlex.split(self.command) if isinstance(self.command, str) else list(self.command)

    @property
    def is_empty(self) -> bool:
        return not self.model_dump(exclude_defaults=True)


class RepoConfig(AppConfig):
    """The whole file: which exercise(s) the repository solves, and how to run its app."""

    exercise: str | None = Field(None, description=(
        "The exercise this repository solves, so `kata grade week1 .` knows which one."),
        json_schema_extra={"example": 'exercise = "rest-api"', "expects": "an exercise id"})
    exercises: list[str] | dict[str, AppConfig] | None = Field(None, description=(
        "Several exercises. A list: one app graded as each of them. Tables: a monorepo, one "
        "`[exercises.<id>]` table per exercise with the keys below (paths relative to the "
        "repository root), each graded from its own folder; `kata grade week1 .` grades "
        "each and sums the week."),
        json_schema_extra={
            "example": '[exercises.rest-api]\ncontext = "rest-api"\nport = 9090\n\n'
                       '[exercises.kv-store]\ndockerfile = "kv/Dockerfile"',
            "expects": "a list of exercise ids, or [exercises.<id>] tables"})

    @model_validator(mode="after")
    def _one_way_to_name_exercises(self) -> RepoConfig:
        if self.exercise is not None and self.exercises is not None:
            raise ValueError("both `exercise` and `exercises` are set: keep one")
        if isinstance(self.exercises, dict):
            if not self.top.is_empty:
                keys = ", ".join(sorted(self.top.model_dump(exclude_defaults=True)))
                raise ValueError(f"`{keys}` at the top does nothing when "
                                 "[exercises.<id>] tables are used: move it into each table")
        return self

    @property
    def exercise_ids(self) -> list[str]:
        if self.exercise is not None:
            return [self.exercise]
        if isinstance(self.exercises, dict):
            return list(self.exercises)
        return list(self.exercises or [])

    def app_for(self, exercise_id: str) -> AppConfig:
        """How to build and run ``exercise_id``'s app: its table, or the top-level keys."""
        if isinstance(self.exercises, dict):
            if exercise_id not in self.exercises:
                raise KataTomlInvalid(
                    f"kata.toml has [exercises.<id>] tables but none for {exercise_id} "
                    f"(it has {', '.join(self.exercises)})",
                    f"add an [exercises.{exercise_id}] table, or grade one of those")
            return self.exercises[exercise_id]
        return self.top

    @property
    def top(self) -> AppConfig:
        """The keys at the top of the file, as one app's."""
        return AppConfig.model_validate(self.model_dump(include=set(AppConfig.model_fields)))


def placeholders(name: str, template: str) -> list[tuple[str, str]]:
    """The (service, fact) pairs an env template names; a malformed one is refused."""
    found = []
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as e:
        raise ValueError(f"env.{name} = {template!r} is not a valid template ({e}); write "
                         "{{ and }} for literal braces") from None
    for _, field, spec, conversion in parsed:
        if field is None:
            continue
        m = _PLACEHOLDER.match(field)
        if m is None or spec or conversion:
            shown = "{" + field + (f"!{conversion}" if conversion else "") + (
                f":{spec}" if spec else "") + "}"
            raise ValueError(f"env.{name} uses {shown}: a placeholder is {{service.fact}}, "
                             "e.g. {db.host}; write {{ and }} for literal braces")
        found.append((m.group(1), m.group(2)))
    return found


def render_env(env: dict[str, str], facts: dict[str, dict[str, str]]) -> dict[str, str]:
    """kata.toml's env with each {service.fact} filled in. ``facts``: service → fact → value.
    An unknown service or fact is the file's mistake (exit 2), named with a did-you-mean."""
    check_env(env, {s: set(f) for s, f in facts.items()})
    out = {}
    for name, template in env.items():
        parts = []
        for literal, field, _, _ in string.Formatter().parse(template):
            parts.append(literal)
            if field is not None:
                service, _, fact = field.partition(".")
                parts.append(facts[service][fact])
        out[name] = "".join(parts)
    return out


def check_config(exercise: Exercise, app: AppConfig) -> None:
    """What kata.toml says fits the exercise it is graded for (before anything starts)."""
    if exercise.app.kind in ("cli", "document"):  # server and compose serve
        for key in ("port", "health"):
            if getattr(app, key) is not None:
                what = ("a document (nothing runs)" if exercise.app.kind == "document"
                        else "a command (kata runs it once per check)")
                raise KataTomlInvalid(
                    f"kata.toml: `{key}` is for apps that serve, and {exercise.id}'s app is "
                    f"{what}", f"remove `{key}` from kata.toml")
    probe = exercise.app.readiness.probe
    if app.health is not None and probe != "http":
        raise KataTomlInvalid(
            f"kata.toml: `health` is a path kata asks over HTTP, and {exercise.id}'s app is "
            f"probed with {probe}", "remove `health` from kata.toml")
    check_env(app.env, {name: set(svc.facts_at(name)) for name, svc in exercise.services.items()})


def check_env(env: dict[str, str], known: dict[str, set[str]]) -> None:
    """Every placeholder names a service of the exercise and one of its facts."""
    for name, template in env.items():
        for service, fact in placeholders(name, template):
            if service not in known:
                offered = ", ".join(sorted(known)) or "none: this exercise has no services"
                raise KataTomlInvalid(
                    f"kata.toml: env.{name} names {{{service}.{fact}}}, but there is no "
                    f"service {service!r}{did_you_mean(service, known)} (services: {offered})",
                    "use a service of the exercise; `kata show <exercise>` lists them and "
                    "their facts")
            if fact not in known[service]:
                raise KataTomlInvalid(
                    f"kata.toml: env.{name} names {{{service}.{fact}}}, but {service} has no "
                    f"fact {fact!r}{did_you_mean(fact, known[service])} (facts: "
                    f"{', '.join(sorted(known[service]))})",
                    "use one of the facts listed")


def did_you_mean(word: str, choices: Any) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.5)
    return f" — did you mean {close[0]!r}?" if close else ""


def load(path: Path) -> RepoConfig:
    """Read and validate one kata.toml."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8", errors="replace"))
    except tomllib.TOMLDecodeError as e:
        raise KataTomlInvalid(f"{path} is not valid TOML: {e}", "fix kata.toml") from None
    return parse(data, str(path))


def parse(data: dict, where: str = FILE) -> RepoConfig:
    try:
        return RepoConfig.model_validate(data)
    except ValidationError as e:
        raise KataTomlInvalid(f"{where}: {_explain(e)}",
                              "see `kata show kata.toml` (or docs/kata-toml.md) for every key "
                              "with an example") from None


# -- turning a pydantic error into one sentence about the key ------------------------------
_UNION_TAGS = {"str", "list[str]", "dict[str,AppConfig]", "int", "none"}


def _explain(e: ValidationError) -> str:
    errors = e.errors()
    # a union reports one error per member: the deepest says most (a key inside a table)
    first = max(errors, key=lambda err: len(_key_path(err["loc"])))
    path = _key_path(first["loc"])
    dotted = ".".join(str(p) for p in path)
    if first["type"] == "extra_forbidden":
        known = _known_keys(path[:-1])
        return f"unknown key `{dotted}`{did_you_mean(str(path[-1]), known)} (keys here: " \
               f"{', '.join(known)})"
    if first["type"] == "value_error":
        return str(first["ctx"]["error"])
    expects = _expects(path)
    got = first.get("input")
    if expects:
        hint = " (a monorepo's tables are [exercises.<id>])" if path == ["exercise"] \
            and isinstance(got, dict) else ""
        return f"`{dotted}` must be {expects}, not {_shown(got)}{hint}"
    return f"`{dotted}`: {first['msg']} (got {_shown(got)})"


def _key_path(loc: tuple) -> list:
    """The loc without pydantic's union member tags ('list[str]', …)."""
    return [p for p in loc if not (isinstance(p, str) and p.replace(" ", "") in _UNION_TAGS)]


def _known_keys(parent: list) -> list[str]:
    if len(parent) == 2 and parent[0] == "exercises":  # inside an [exercises.<id>] table
        return list(AppConfig.model_fields)
    return list(RepoConfig.model_fields)


def _expects(path: list) -> str:
    if len(path) >= 3 and path[0] == "exercises":  # a key inside an [exercises.<id>] table
        path = path[2:]
    if len(path) == 2:  # an item of a list or a table
        return {"env": "a string (env values are text: quote numbers)",
                "command": "a string", "exercises": "an exercise id (a string)"}.get(
                    str(path[0]), "")
    info = RepoConfig.model_fields.get(str(path[0])) if path else None
    if info is None or not isinstance(info.json_schema_extra, dict):
        return ""
    return str(info.json_schema_extra.get("expects", ""))


def _shown(value: Any) -> str:
    kind = {bool: "a boolean", int: "a number", float: "a number", str: "a string",
            list: "a list", dict: "a table"}.get(type(value), type(value).__name__)
    text = repr(value) if not isinstance(value, dict | list) else ""
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{text} ({kind})" if text else kind


def exercise_note(exercise: Exercise) -> str:
    """What `kata show <id>` says about kata.toml for this exercise: the facts its env
    templates may name."""
    if exercise.app.kind == "document":  # nothing of the learner's runs: no env to give
        return "\n".join(["## kata.toml", "", "A repository may name the exercise in "
                          '`kata.toml` (`exercise = "…"`), or the folder that holds the '
                          'document (`context = "…"`).'])
    lines = ["## kata.toml", "",
             "A repository not written for kata can say how to build and run it in "
             "`kata.toml` (`kata show kata.toml` lists every key)."]
    if exercise.services:
        lines += ["", "Its `[env]` values may name these facts of the exercise's services:", ""]
        for name, svc in exercise.services.items():
            facts = svc.facts_at(name)
            lines.append(f"- `{name}` ({svc.image}): " + ", ".join(
                f"`{{{name}.{k}}}` = `{v}`" for k, v in facts.items()))
        name = next(iter(exercise.services))
        value = f"{{{name}.host}}" + (f":{{{name}.port}}" if "port" in
                                         exercise.services[name].facts else "")
        lines += ["", "```toml", "[env]", f'{name.upper()}_ADDRESS = "{value}"', "```"]
    return "\n".join(lines)


# -- the reference page ----------------------------------------------------------------------
def reference() -> str:
    """docs/kata-toml.md: every key with what it does and an example, from the models."""
    lines = [
        "# kata.toml",
        "",
        "<!-- generated by `python -m kata.repoconfig` from src/kata/repoconfig.py; "
        "a test checks it is current -->",
        "",
        "A repository not written for kata says here how to build and run it, so it is "
        "graded without edits. Put `kata.toml` at the repository root; every key is "
        "optional. Paths are relative to the repository root and must stay inside it "
        "(kata.toml and the Dockerfile may not be links out of it). An unknown key or a "
        "wrong type is refused with the key's name (exit 2).",
        "",
    ]
    fields = RepoConfig.model_fields
    for name in ["exercise", "exercises", *(k for k in fields if k not in ("exercise",
                                                                           "exercises"))]:
        info = fields[name]
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        lines += [f"## `{name}`", "", f"{info.description}", "",
                  f"Expects {extra.get('expects', '')}.", "", "```toml",
                  str(extra.get("example", "")), "```", ""]
    lines += [
        "## A whole example",
        "",
        "A FastAPI app in `backend/` that listens on 9090, reads `DB_DSN`, and answers "
        "`/healthz`, graded as `rest-api` with no edits:",
        "",
        "```toml",
        'exercise = "rest-api"',
        'context = "backend"',
        "port = 9090",
        'command = "uvicorn main:app --host 0.0.0.0 --port 9090"',
        'health = "/healthz"',
        "",
        "[env]",
        'DB_DSN = "postgresql://{db.user}:{db.password}@{db.host}:{db.port}/{db.name}"',
        "```",
        "",
        "A monorepo with one folder per exercise is graded with `kata grade week1 .`: each "
        "`[exercises.<id>]` table is built from its own folder and the week is summed. A "
        "`kata.toml` in each subfolder naming its `exercise` works too.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover - regenerates docs/kata-toml.md
    print(reference(), end="")
