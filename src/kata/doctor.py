"""`kata doctor`: read a repository that was not written for kata and propose the kata.toml
that grades it unedited, with the reason for every line and the code changes no kata.toml
can stand in for.

Everything here reads files and nothing else. The repository is untrusted: links are not
followed, and the files read, their number and their sizes are bounded.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kata.catalog.models import Exercise

MAX_FILES = 4000  # files looked at in one repository
MAX_FILE_BYTES = 256_000  # read of any one file
MAX_DEPTH = 8
MAX_TOTAL_BYTES = 32_000_000  # of all files looked at (each counted up to MAX_FILE_BYTES)
SKIP_DIRS = {".git", "node_modules", ".venv", "venv", "env", "__pycache__", "vendor", "dist",
             "build", "target", ".mypy_cache", ".pytest_cache", ".tox", "site-packages"}
DOCKERFILE = re.compile(r"^(Dockerfile(\.[\w.-]+)?|Containerfile|[\w.-]+\.[Dd]ockerfile)$")
COMPOSE_NAMES = ("compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml")
SOURCE_SUFFIXES = {".py", ".js", ".mjs", ".cjs", ".ts", ".go", ".rb", ".java", ".kt", ".rs",
                   ".php", ".env", ".cfg", ".ini", ".toml", ".yaml", ".yml", ".json"}
CODE_SUFFIXES = {".py", ".js", ".mjs", ".cjs", ".ts", ".go", ".rb", ".java", ".kt", ".rs", ".php"}
SCALAR = (str, int, float)  # what a compose value may be; an alias to a nested list is not
APP_SERVICE_NAMES = ("app", "api", "web", "backend", "server", "service")


# -- reading the repository, bounded ------------------------------------------------------
def repo_files(root: Path) -> list[Path]:
    """Regular files of the repository (no links, no vendored or generated folders)."""
    root = root.resolve()
    found: list[Path] = []
    total = 0
    for folder, dirs, files in os.walk(root, followlinks=False):
        here = Path(folder)
        depth = len(here.relative_to(root).parts)
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith(".")
                         and depth < MAX_DEPTH and not (here / d).is_symlink())
        for name in sorted(files):
            path = here / name
            if path.is_symlink() or not path.is_file():
                continue
            found.append(path)
            total += min(path.stat().st_size, MAX_FILE_BYTES)
            if len(found) >= MAX_FILES or total >= MAX_TOTAL_BYTES:
                return found
    return found


def read_text(path: Path) -> str:
    """The first MAX_FILE_BYTES of a file, as text ("" when it cannot be read)."""
    try:
        with open(path, "rb") as f:
            return f.read(MAX_FILE_BYTES).decode("utf-8", errors="replace")
    except OSError:
        return ""


# -- Dockerfiles -----------------------------------------------------------------------
def instructions(dockerfile: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) per instruction: continuation lines joined, comments out."""
    out: list[tuple[str, str]] = []
    pending = ""
    for raw in dockerfile.splitlines():
        line = raw.strip()
        if not line or (line.startswith("#") and not pending):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        word, _, rest = (pending + line).partition(" ")
        out.append((word.upper(), rest.strip()))
        pending = ""
    return out


def final_stage(dockerfile: str) -> list[tuple[str, str]]:
    """The instructions of the last stage (from its FROM on)."""
    steps = instructions(dockerfile)
    starts = [i for i, (word, _) in enumerate(steps) if word == "FROM"]
    return steps[starts[-1]:] if starts else steps


def sets_command(dockerfile: str) -> bool:
    """Whether the final stage names what the container runs (CMD or ENTRYPOINT), itself
    or through an earlier stage it is built FROM. Without one, the container runs the base
    image's default (for a language image, its interpreter, which exits at once)."""
    stages: dict[str, bool] = {}
    current, name = False, ""
    for word, args in instructions(dockerfile):
        if word == "FROM":
            parts = args.split()
            base = next((p for p in parts if not p.startswith("--")), "").lower()
            current = stages.get(base, False)  # FROM an earlier stage inherits its CMD
            name = parts[-1].lower() if len(parts) >= 3 and parts[-2].upper() == "AS" else ""
        elif word in ("CMD", "ENTRYPOINT"):
            current = True
        if name:
            stages[name] = current
    return current


def command_text(args: str) -> str:
    """A CMD/ENTRYPOINT's arguments as one shell-like line (exec form joined)."""
    if args.startswith("["):
        try:
            parts = json.loads(args)
            if isinstance(parts, list):
                return " ".join(str(p) for p in parts)
        except ValueError:
            pass
    return args


def copy_sources(dockerfile: str) -> list[str]:
    """The build-context paths COPY/ADD lines read (not `--from` copies, URLs or `.`)."""
    sources: list[str] = []
    for word, args in instructions(dockerfile):
        if word not in ("COPY", "ADD") or "--from" in args:
            continue
        if args.startswith("["):
            try:
                parts = [str(p) for p in json.loads(args)]
            except ValueError:
                continue
        else:
            parts = [p for p in args.split() if not p.startswith("--")]
        for src in parts[:-1]:
            src = src.rstrip("/")
            if src in ("", ".", "./") or "://" in src or any(c in src for c in "*?[$"):
                continue
            sources.append(src.removeprefix("./"))
    return sources


def needed_context(root: Path, dockerfile: Path) -> tuple[Path | None, str]:
    """The build context a Dockerfile's COPY lines need: its own folder or the repository
    root (None: no COPY line tells), and why."""
    sources = copy_sources(read_text(dockerfile))
    if not sources:
        return None, ""
    here = dockerfile.parent
    candidates = [here] if here == root else [here, root]
    for folder in candidates:
        if all(_inside(root, folder / s) and (folder / s).exists() for s in sources):
            shown = ", ".join(sources[:3])
            where = "its own folder" if folder == here else "the repository root"
            return folder, f"its COPY lines ({shown}) are paths from {where}"
    return None, ""


def _inside(root: Path, path: Path) -> bool:
    try:
        return path.resolve().is_relative_to(root)
    except (OSError, RuntimeError):
        return False


PORT_IN_COMMAND = re.compile(
    r"(?:--port[= ]|-p |--bind[= ][\w.\[\]:]*:|-b [\w.\[\]:]*:|--listen[= ][\w.]*:)"
    r"[\"']?(\$\{?\w+\}?|\d{2,5})")


def ports_in(text: str) -> list[str]:
    """Ports a command line names: numbers, or `$PORT` where it reads the environment."""
    return [m.group(1) for m in PORT_IN_COMMAND.finditer(text)]


# -- compose ------------------------------------------------------------------------------
@dataclass
class ComposeApp:
    """The app's service in a compose file: what `docker compose up` ran for the learner."""

    file: str
    name: str
    command: str | list[str] | None = None
    environment: dict[str, str] = field(default_factory=dict)
    ports: list[str] = field(default_factory=list)  # container ports
    build_context: str | None = None  # relative to the repository root
    build_dockerfile: str | None = None
    services: list[str] = field(default_factory=list)  # every service's name


def compose_app(root: Path, files: list[Path] | None = None) -> ComposeApp | None:
    """The compose file's app service (the one built from the repo), if there is one."""
    import yaml

    root = root.resolve()
    files = files if files is not None else repo_files(root)
    composes = sorted((f for f in files if f.name in COMPOSE_NAMES),
                      key=lambda f: (len(f.relative_to(root).parts), str(f)))
    for path in composes:
        try:
            data = yaml.safe_load(read_text(path))
        except yaml.YAMLError:
            continue
        services = data.get("services") if isinstance(data, dict) else None
        if not isinstance(services, dict):
            continue
        named = {str(k): v for k, v in list(services.items())[:50] if isinstance(v, dict)}
        built = [k for k, v in named.items() if "build" in v]
        pick = (built + [k for k in APP_SERVICE_NAMES if k in named])
        if not pick:
            continue
        svc = named[pick[0]]
        folder = path.parent
        app = ComposeApp(file=str(path.relative_to(root)), name=pick[0],
                         services=list(named))
        command = svc.get("command")
        if isinstance(command, str):
            app.command = command.strip()
        elif isinstance(command, list) and all(isinstance(c, SCALAR) for c in command[:100]):
            app.command = [str(c) for c in command[:100]]
        app.environment = _environment(svc.get("environment"))
        for p in (svc.get("ports") or [])[:20] if isinstance(svc.get("ports"), list) else []:
            target = p.get("target") if isinstance(p, dict) else p
            if isinstance(target, SCALAR):
                app.ports.append(str(target).split("/")[0].rsplit(":", 1)[-1])
        build = svc.get("build")
        context, dockerfile = (build, None) if isinstance(build, str) else (
            (build.get("context", "."), build.get("dockerfile")) if isinstance(build, dict)
            else (None, None))
        if isinstance(context, str):
            ctx = (folder / context).resolve()
            if _inside(root, ctx):
                app.build_context = _rel(root, ctx)
                if isinstance(dockerfile, str) and _inside(root, ctx / dockerfile):
                    app.build_dockerfile = _rel(root, (ctx / dockerfile).resolve())
        return app
    return None


def _environment(env: object) -> dict[str, str]:
    out: dict[str, str] = {}
    items = (list(env.items())[:200] if isinstance(env, dict)
             else [e.partition("=")[::2] for e in env[:200] if isinstance(e, str)]
             if isinstance(env, list) else [])
    for key, value in items:
        if isinstance(key, str) and isinstance(value, SCALAR):
            out[key] = str(value)
    return out


def _rel(root: Path, path: Path) -> str:
    rel = path.relative_to(root).as_posix()
    return rel or "."


def compose_command(root: Path) -> str | None:
    """The compose app service's command as one line, if it has one."""
    app = compose_app(root)
    if app is None or app.command is None:
        return None
    return app.command if isinstance(app.command, str) else " ".join(app.command)


# -- what the code reads -------------------------------------------------------------------
@dataclass
class EnvRead:
    name: str
    where: str  # file:line
    required: bool  # no default in sight
    unsure: bool = False  # Go's os.Getenv: whether a default follows is not in one line


ENV_READS = [  # (pattern, required unless a default follows)
    (re.compile(r"os\.environ\[\s*[\"']([A-Za-z_]\w*)[\"']\s*\]"), "always"),
    (re.compile(r"os\.environ\.get\(\s*[\"']([A-Za-z_]\w*)[\"']\s*(,)?"), "unless-default"),
    (re.compile(r"os\.getenv\(\s*[\"']([A-Za-z_]\w*)[\"']\s*(,)?"), "unless-default"),
    (re.compile(r"process\.env\.([A-Za-z_]\w*)(\s*(?:\|\||\?\?))?"), "unless-default"),
    (re.compile(r"process\.env\[\s*[\"']([A-Za-z_]\w*)[\"']\s*\](\s*(?:\|\||\?\?))?"),
     "unless-default"),
    (re.compile(r"os\.(?:Getenv|LookupEnv)\(\s*\"([A-Za-z_]\w*)\"\s*\)"), "maybe"),
]
SETTINGS_CLASS = re.compile(r"^class\s+\w+\(\s*(?:\w+\.)*BaseSettings\s*\)\s*:", re.MULTILINE)
SETTINGS_FIELD = re.compile(r"^(\s+)([a-z_]\w*)\s*:\s*([^=#\n]+?)\s*(=.*)?$")
ENV_PREFIX = re.compile(r"env_prefix\s*=\s*[\"'](\w*)[\"']")


def env_reads(root: Path, files: list[Path]) -> list[EnvRead]:
    """Every place the code reads an environment variable, in file order."""
    found: list[EnvRead] = []
    for path in files:
        if path.suffix not in CODE_SUFFIXES:
            continue
        text = read_text(path)
        rel = _rel(root, path)
        for pattern, kind in ENV_READS:
            for m in pattern.finditer(text):
                line = text.count("\n", 0, m.start()) + 1
                required = kind == "always" or (kind == "unless-default" and not m.group(2))
                found.append(EnvRead(m.group(1), f"{rel}:{line}", required, kind == "maybe"))
        if path.suffix == ".py":
            found += _settings_fields(text, rel)
        if len(found) > 500:
            break
    return sorted(found, key=lambda r: (r.where.rsplit(":", 1)[0],
                                        int(r.where.rsplit(":", 1)[1])))


def by_name(reads: list[EnvRead]) -> list[EnvRead]:
    """One read per variable: its first place, required if any place needs it."""
    seen: dict[str, EnvRead] = {}
    for read in reads:
        if read.name not in seen or (read.required and not seen[read.name].required):
            seen[read.name] = read
    return list(seen.values())


def _settings_fields(text: str, rel: str) -> Iterator[EnvRead]:
    """pydantic BaseSettings fields: each is read from the variable of its name in upper
    case (with the class's env_prefix); one without a default is required."""
    for m in SETTINGS_CLASS.finditer(text):
        body = text[m.end():m.end() + 20_000]
        prefix_m = ENV_PREFIX.search(body[:4000])
        prefix = prefix_m.group(1).upper() if prefix_m else ""
        indent = None
        offset = m.end()
        for line in body.splitlines()[1:]:
            offset += len(line) + 1
            if not line.strip() or line.strip().startswith("#"):
                continue
            lead = len(line) - len(line.lstrip())
            if lead == 0:
                break
            f = SETTINGS_FIELD.match(line)
            if indent is None:
                indent = lead
            if not f or lead != indent or f.group(2) in ("model_config",):
                continue
            lineno = text.count("\n", 0, offset) + 1
            yield EnvRead(prefix + f.group(2).upper(), f"{rel}:{lineno}", not f.group(4))


# -- hard-coded service addresses -----------------------------------------------------------
@dataclass
class HardCoded:
    text: str
    where: str
    kind: str  # "postgres", "redis", "mysql", "mongo", "amqp"


HARD_CODED = re.compile(
    r"(?P<url>(?P<scheme>postgres(?:ql)?|redis|mysql|mongodb|amqp)(?:\+\w+)?://"
    r"(?:[^:@/\s\"'`]*(?::[^@/\s\"'`]*)?@)?[\w.-]+(?::\d+)?(?:/[\w.-]*)?)"
    r"|(?P<hostport>\b(?:localhost|127\.0\.0\.1|db|postgres|redis|database)"
    r":(?P<port>5432|6379|3306|27017|5672)\b)")
KIND = {"5432": "postgres", "6379": "redis", "3306": "mysql", "27017": "mongo", "5672": "amqp",
        "postgres": "postgres", "postgresql": "postgres", "redis": "redis", "mysql": "mysql",
        "mongodb": "mongo", "amqp": "amqp"}


def hard_coded(root: Path, files: list[Path]) -> list[HardCoded]:
    """Service addresses written into the code (URLs with hosts or credentials)."""
    found: list[HardCoded] = []
    for path in files:
        if path.suffix not in CODE_SUFFIXES:
            continue
        text = read_text(path)
        for m in HARD_CODED.finditer(text):
            if "{" in text[max(0, m.start() - 2):m.start()]:  # a template, not a literal
                continue
            word = m.group("scheme") or m.group("port")
            line = text.count("\n", 0, m.start()) + 1
            found.append(HardCoded(m.group(0), f"{_rel(root, path)}:{line}", KIND[word]))
            if len(found) >= 20:
                return found
    return found


# -- the proposal ---------------------------------------------------------------------------
@dataclass
class ServiceFacts:
    """What doctor knows of an exercise's services: their names by kind, and the variables
    kata already sets in the app's environment."""

    by_kind: dict[str, str] = field(default_factory=dict)  # "postgres" -> "db"
    exported: set[str] = field(default_factory=set)
    port: int | None = None  # the exercise's app port ($PORT)
    health: str | None = None  # the exercise's health path


def facts_of(exercise: Exercise) -> ServiceFacts:
    """What an exercise gives the app: its services by kind (from the image's name), the
    variables kata sets, its port and health path."""
    facts = ServiceFacts(port=exercise.app.port)
    for name, svc in exercise.services.items():
        family = svc.image.split("/")[-1].split(":")[0]
        kind = KIND.get(family, "mongo" if family == "mongo" else family)
        kind = "amqp" if family == "rabbitmq" else kind
        facts.by_kind.setdefault(kind, name)
        facts.exported |= set(svc.exports)
    facts.exported |= set(exercise.app.env)
    if exercise.app.readiness.probe == "http":
        facts.health = exercise.app.readiness.path
    return facts


TEMPLATES = {
    "postgres": "postgresql://{s.user}:{s.password}@{s.host}:{s.port}/{s.name}",
    "redis": "redis://{s.host}:{s.port}/0",
    "mysql": "mysql://{s.user}:{s.password}@{s.host}:{s.port}/{s.name}",
    "mongo": "mongodb://{s.user}:{s.password}@{s.host}:{s.port}/{s.name}",
    "amqp": "amqp://{s.user}:{s.password}@{s.host}:{s.port}/",
}
URL_NAME = re.compile(r"(URL|URI|DSN)$")
KIND_IN_NAME = [("postgres", re.compile(r"DATABASE|POSTGRES|PG|DB|SQL")),
                ("redis", re.compile(r"REDIS|CACHE")), ("amqp", re.compile(r"AMQP|RABBIT")),
                ("mongo", re.compile(r"MONGO"))]


def template(kind: str, facts: ServiceFacts) -> str | None:
    """An `[env]` value over a service's facts, e.g. postgresql://{db.user}:…@{db.host}…"""
    name = facts.by_kind.get(kind)
    if name is None or kind not in TEMPLATES:
        return None
    return TEMPLATES[kind].replace("{s.", "{" + name + ".")


@dataclass
class Proposal:
    settings: dict[str, object] = field(default_factory=dict)  # top-level kata.toml keys
    env: dict[str, str] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)  # "key: why"
    changes: list[str] = field(default_factory=list)  # edits no kata.toml line can replace
    commented: list[str] = field(default_factory=list)  # lines worth a look, not needed

    def toml(self) -> str:
        lines = [f"{k} = {_value(v)}" for k, v in self.settings.items()]
        lines += [f"# {c}" for c in self.commented if not c.startswith("[env] ")]
        env_notes = [c.removeprefix("[env] ") for c in self.commented if c.startswith("[env] ")]
        if self.env or env_notes:
            lines += ["", "[env]"]
            lines += [f"{k} = {_value(v)}" for k, v in self.env.items()]
            lines += [f"# {c}" for c in env_notes]
        return "\n".join(lines) + "\n"

    def text(self) -> str:
        out = [self.toml().rstrip(), "", "Why:"]
        out += [f"- {r}" for r in self.reasons] or ["- nothing to change: kata's defaults fit"]
        if self.changes:
            out += ["", "Change in the code (no kata.toml line can stand in for these):"]
            out += [f"- {c}" for c in self.changes]
        return "\n".join(out) + "\n"


def _value(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    return json.dumps(str(v), ensure_ascii=False)  # a JSON string is a TOML basic string


def propose(root: Path, exercise: str | None = None,
            facts: ServiceFacts | None = None) -> Proposal:
    """The kata.toml that grades the repository at ``root`` unedited, with its reasons."""
    root = root.resolve()
    facts = facts or ServiceFacts()
    files = repo_files(root)
    prop = Proposal()
    if exercise:
        prop.settings["exercise"] = exercise
    compose = compose_app(root, files)
    dockerfile = _pick_dockerfile(root, files, compose, prop)
    text = read_text(dockerfile) if dockerfile else ""
    if dockerfile is not None:
        _context(root, dockerfile, compose, prop)
    has_cmd = sets_command(text) if dockerfile else False
    cmd_text = " ".join(command_text(a) for w, a in final_stage(text)
                        if w in ("CMD", "ENTRYPOINT"))
    if compose and compose.command is not None:
        shown = compose.command if isinstance(compose.command, str) else " ".join(
            compose.command)
        if not has_cmd:
            command, reload = without_reload(compose.command)
            prop.settings["command"] = command
            prop.reasons.append(f"command: the Dockerfile has no CMD; {compose.file} runs "
                                f"service {compose.name!r} with this command"
                                + (" (without --reload: a grade needs no file watcher)"
                                   if reload else ""))
            cmd_text = shown
        else:
            prop.commented.append(f"command = {_value(compose.command)}  "
                                  f"# what {compose.file} runs instead of the CMD")
    elif dockerfile is not None and not has_cmd:
        prop.changes.append(f"{_rel(root, dockerfile)} has no CMD and no compose file says "
                            "what to run: add a CMD that starts the server (or set "
                            "`command` in kata.toml)")
    _port(root, files, text, cmd_text, compose, facts, prop)
    _health(root, files, facts, prop)
    _env(root, files, compose, facts, prop)
    return prop


def without_reload(command: str | list[str]) -> tuple[str | list[str], bool]:
    """A development server's file watcher (uvicorn/flask --reload) only costs a grade CPU."""
    if isinstance(command, list):
        kept = [c for c in command if c != "--reload"]
        return kept, len(kept) != len(command)
    text = re.sub(r"\s--reload\b", "", command)
    return text, text != command


def _pick_dockerfile(root: Path, files: list[Path], compose: ComposeApp | None,
                     prop: Proposal) -> Path | None:
    dockerfiles = [f for f in files if DOCKERFILE.match(f.name)]
    at_root = [f for f in dockerfiles if f.parent == root and f.name in ("Dockerfile",
                                                                          "Containerfile")]
    if compose and compose.build_context is not None:
        named = root / (compose.build_dockerfile or
                        f"{compose.build_context}/Dockerfile").removeprefix("./")
        if named.is_file() and not named.is_symlink():
            chosen = named.resolve()
            if chosen.parent != root or chosen.name != "Dockerfile":
                prop.settings["dockerfile"] = _rel(root, chosen)
                prop.reasons.append(f"dockerfile: {compose.file} builds service "
                                    f"{compose.name!r} from it")
            return chosen
    if at_root:
        return at_root[0]
    if not dockerfiles:
        prop.changes.append("no Dockerfile in the repository: add one that builds and starts "
                            "the app")
        return None
    dockerfiles.sort(key=lambda f: (len(f.relative_to(root).parts), str(f)))
    chosen = dockerfiles[0]
    prop.settings["dockerfile"] = _rel(root, chosen)
    others = ", ".join(_rel(root, f) for f in dockerfiles[1:4])
    prop.reasons.append("dockerfile: the only Dockerfile is in a subfolder" if not others
                        else f"dockerfile: the shallowest of the Dockerfiles (also: {others})")
    return chosen


def _context(root: Path, dockerfile: Path, compose: ComposeApp | None, prop: Proposal) -> None:
    """kata's default context is the Dockerfile's folder; say so where COPY needs another."""
    default = dockerfile.parent
    needed, why = needed_context(root, dockerfile)
    if needed is None and compose and compose.build_context is not None:
        needed = (root / compose.build_context).resolve()
        why = f"{compose.file} builds with context {compose.build_context!r}"
    if needed is not None and needed != default:
        prop.settings["context"] = _rel(root, needed)
        prop.reasons.append(f"context: {why}; build it as `docker build -f "
                            f"{_rel(root, dockerfile)} {_rel(root, needed)}`")


def _port(root: Path, files: list[Path], dockerfile: str, cmd_text: str,
          compose: ComposeApp | None, facts: ServiceFacts, prop: Proposal) -> None:
    """A port the app is fixed to (kata otherwise sets $PORT and probes that)."""
    named = ports_in(cmd_text)
    if any(p.startswith("$") for p in named):
        return  # the command follows $PORT
    exposed = [a.split("/")[0] for w, a in final_stage(dockerfile) if w == "EXPOSE"
               for a in a.split()]
    candidates = [(p, "the command listens on it") for p in named]
    if compose:
        candidates += [(p, f"{compose.file} publishes it") for p in compose.ports]
    candidates += [(p, "the Dockerfile EXPOSEs it") for p in exposed]
    if not any(r.name == "PORT" for r in env_reads(root, files)):
        candidates += code_ports(root, files)
    for port, why in candidates:
        if port.isdigit() and 0 < int(port) < 65536:
            if facts.port is not None and int(port) == facts.port:
                return  # the exercise's own port: nothing to say
            prop.settings["port"] = int(port)
            prop.reasons.append(f"port: {why} ({port}), not $PORT")
            return


PORT_IN_CODE = re.compile(
    r"\.run\([^)\n]*?\bport\s*=\s*(\d{2,5})\b"  # app.run(port=5000), uvicorn.run(…, port=…)
    r"|\.listen\(\s*(\d{2,5})\s*[,)]"  # Node: app.listen(3000)
    r"|ListenAndServe(?:TLS)?\(\s*\"[\w.]*:(\d{2,5})\"")  # Go: ":8080"


def code_ports(root: Path, files: list[Path]) -> list[tuple[str, str]]:
    """Ports the code starts its server on, as (port, why)."""
    found = []
    for path in files:
        if path.suffix in CODE_SUFFIXES:
            text = read_text(path)
            for m in PORT_IN_CODE.finditer(text):
                line = text.count("\n", 0, m.start()) + 1
                port = next(g for g in m.groups() if g)
                found.append((port, f"the code listens on it at {_rel(root, path)}:{line}"))
    return found[:5]


HEALTH_ROUTES = re.compile(r"[\"'](/(?:health|healthz|healthcheck|ping|status|_health|"
                           r"api/health|api/v1/health|livez|readyz))[\"']")


def _health(root: Path, files: list[Path], facts: ServiceFacts, prop: Proposal) -> None:
    if not facts.health or facts.health == "/":
        return
    routes: dict[str, str] = {}
    wanted = re.compile(rf"[\"']{re.escape(facts.health)}[\"']")
    for path in files:
        if path.suffix in CODE_SUFFIXES:
            text = read_text(path)
            for m in [*HEALTH_ROUTES.finditer(text), *wanted.finditer(text)]:
                line = text.count("\n", 0, m.start()) + 1
                routes.setdefault(m.group(0)[1:-1], f"{_rel(root, path)}:{line}")
    if facts.health in routes:
        return
    if routes:
        route, where = next(iter(routes.items()))
        prop.settings["health"] = route
        prop.reasons.append(f"health: the app answers {route} ({where}), not {facts.health}")
    else:
        prop.changes.append(f"no route {facts.health} (nor /healthz, /ping…) in the code: add "
                            f"GET {facts.health} answering 200 once the app can serve, or set "
                            "`health` to a path that does")


def _env(root: Path, files: list[Path], compose: ComposeApp | None, facts: ServiceFacts,
         prop: Proposal) -> None:
    given = {"PORT"} | facts.exported
    compose_env = compose.environment if compose else {}
    hosts = (set(compose.services) if compose else set()) | {"localhost", "127.0.0.1"}
    reads = env_reads(root, files)
    found = hard_coded(root, files)
    defaults = {h.where: h for h in found}  # a URL on the line that reads a variable
    for read in by_name(reads):
        name = read.name
        if name in given:
            prop.reasons.append(f"env {name}: read at {read.where}; kata sets it")
            continue
        sample = compose_env.get(name) or next(
            (defaults[r.where].text for r in reads if r.name == name and r.where in defaults),
            None)
        value = _service_value(name, sample, hosts, facts)
        if value is not None:
            prop.env[name] = value
            service = value.split("{", 1)[1].split(".", 1)[0]
            prop.reasons.append(f"env {name}: read at {read.where}; "
                                + (f"its value there ({sample}) is the learner's own service"
                                   if sample else "its name says it holds a service's address")
                                + f": the template points it at kata's {service!r}")
        elif name in compose_env and not _mentions_host(compose_env[name], hosts):
            prop.env[name] = _compose_default(compose_env[name])
            prop.reasons.append(f"env {name}: read at {read.where}; the value "
                                f"{compose.file if compose else 'compose'} gives it")
        elif read.required:
            prop.env[name] = "change-me"
            prop.reasons.append(f"env {name}: read at {read.where} with no default; "
                                "give it a value")
        else:
            default = "may have a default" if read.unsure else "has a default"
            prop.commented.append(f"[env] {name} = \"\"  # read at {read.where}, {default}")
    read_lines = {r.where for r in reads}
    for hc in found:
        if hc.where in read_lines:
            continue  # the default of an environment read: kata's value replaces it
        name = "DATABASE_URL" if hc.kind == "postgres" else f"{hc.kind.upper()}_URL"
        prop.changes.append(f"{hc.where} hard-codes {hc.text}: read the address from the "
                            f"environment (${name}"
                            + (", which kata sets" if name in facts.exported else
                               ", and set it in kata.toml [env]") + ")")


def _service_value(name: str, sample: str | None, hosts: set[str],
                   facts: ServiceFacts) -> str | None:
    """A template over a service's facts for a variable that holds a service's address,
    in the scheme its current value uses (e.g. postgresql+asyncpg)."""
    kind, scheme = None, None
    if sample and (m := HARD_CODED.search(sample)):
        kind = KIND[m.group("scheme") or m.group("port")]
        scheme = sample.split("://", 1)[0] if m.group("scheme") else None
    if kind is None and URL_NAME.search(name):
        kind = next((k for k, pattern in KIND_IN_NAME if pattern.search(name)), None)
    value = template(kind, facts) if kind else None
    if value and scheme:
        value = scheme + "://" + value.split("://", 1)[1]
    return value


def _mentions_host(value: str, hosts: set[str]) -> bool:
    return any(re.search(rf"[@/]{re.escape(h)}(?::\d+|/|$)", value) for h in hosts)


def _compose_default(value: str) -> str:
    """`${VAR:-default}` in a compose file stands for its default here."""
    m = re.fullmatch(r"\$\{\w+:?-([^}]*)\}", value)
    return m.group(1) if m else value
