"""Named diagnoses: when an app does not come up (or misbehaves), say why in one line with
the fix, instead of a generic "health check failed".

Each diagnosis is a small function registered with ``@diagnosis("id")``; it reads the
``Clues`` kata gathered and returns (message, fix) or None. The first that matches names
the problem; the ones marked ``always`` are also checked on the log of a graded app.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from pydantic import BaseModel


class Diagnosis(BaseModel):
    id: str
    message: str
    fix: str


@dataclass
class Clues:
    problem_kind: str = ""  # the RepoProblem kind, "" when the app was graded
    problem_message: str = ""
    build_log: str = ""
    app_log: str = ""
    port: int = 8000
    listening: list[tuple[str, int]] | None = None  # LISTEN sockets in the app's namespace
    exit_code: int | None = None
    oom_killed: bool = False
    service_hosts: dict[str, str] = field(default_factory=dict)  # env var -> service host
    dockerfile: str = ""  # its text, where there is one
    stack: str | None = None  # kata.stack id recognised from the repo's files, if any


Check = Callable[[Clues], tuple[str, str] | None]
REGISTRY: list[tuple[str, Check, bool]] = []


def diagnosis(name: str, always: bool = False) -> Callable[[Check], Check]:
    def register(fn: Check) -> Check:
        REGISTRY.append((name, fn, always))
        return fn

    return register


def diagnose(clues: Clues) -> Diagnosis | None:
    """The first diagnosis that explains a failed boot or build."""
    for name, check, _ in REGISTRY:
        found = check(clues)
        if found:
            return Diagnosis(id=name, message=found[0], fix=found[1])
    return None


def diagnose_graded(clues: Clues) -> list[Diagnosis]:
    """Diagnoses worth reporting even when the app came up (read from its log)."""
    out = []
    for name, check, always in REGISTRY:
        if always and (found := check(clues)):
            out.append(Diagnosis(id=name, message=found[0], fix=found[1]))
    return out


# -- build ---------------------------------------------------------------------------------
STEP = re.compile(r"^Step \d+/\d+ : (.*)$")
ERROR_LINE = re.compile(
    r"(ERROR|error:|Error:|E: |fatal|No matching distribution|Could not find a version"
    r"|not found|unknown instruction|failed)", re.IGNORECASE)


def failing_step(log: str) -> tuple[str, str]:
    """(the Dockerfile step that failed, its first real error line)."""
    step, first_error = "", ""
    for line in log.splitlines():
        if m := STEP.match(line.strip()):
            step, first_error = m.group(1), ""
        elif not first_error and ERROR_LINE.search(line):
            first_error = line.strip()
    return step, first_error


@diagnosis("buildkit-syntax")
def _buildkit(c: Clues) -> tuple[str, str] | None:
    if c.problem_kind != "build-failed":
        return None
    text = c.build_log + "\n" + c.problem_message
    if re.search(r"--mount|requires BuildKit|unknown flag: (mount|chmod|link)|<<\s*['\"]?EOF",
                 text, re.IGNORECASE):
        return ("the Dockerfile uses BuildKit-only syntax (RUN --mount, heredocs, COPY --chmod)",
                "write it for the classic builder: plain RUN/COPY lines, no --mount or <<EOF")
    return None


@diagnosis("pin-not-found")
def _missing_pin(c: Clues) -> tuple[str, str] | None:
    if c.problem_kind != "build-failed":
        return None
    m = re.search(r"(?:No matching distribution found for|Could not find a version that "
                  r"satisfies the requirement) ([^\s(]+)", c.build_log)
    if m:
        return (f"the build asks for {m.group(1)}, which pip cannot find for this Python",
                "check the pin exists on PyPI for your base image's Python version "
                "(old pins often have wheels only for old Pythons)")
    return None


@diagnosis("needs-compiler")
def _needs_compiler(c: Clues) -> tuple[str, str] | None:
    if c.problem_kind != "build-failed":
        return None
    m = re.search(r"pg_config executable not found|command '(gcc|cc|x86_64-linux-gnu-gcc)' "
                  r"failed|gcc: not found|Python\.h: No such file|error: Microsoft Visual|"
                  r"Failed building wheel for (\S+)", c.build_log)
    if m:
        python = c.stack in (None, "python", "fastapi", "flask", "django") and (
            "wheel" in m.group(0) or "Python.h" in m.group(0) or "pg_config" in m.group(0))
        prebuilt = ("use the binary wheel (e.g. psycopg[binary] / psycopg2-binary), or "
                    if python else "use a prebuilt package, or ")
        return ("a dependency compiles from source and the image has no compiler or system "
                "library for it",
                prebuilt + "install build-essential and the library's -dev package (e.g. "
                "libpq-dev) in the Dockerfile, or use the non-slim base")
    return None


@diagnosis("build-step-failed")
def _build_step(c: Clues) -> tuple[str, str] | None:
    if c.problem_kind != "build-failed":
        return None
    step, error = failing_step(c.build_log)
    where = f"`{step}`" if step else "a build step"
    return (f"{where} failed" + (f": {error}" if error else ""),
            "run `docker build .` locally and fix that step")


# -- boot -------------------------------------------------------------------------------------
# How a server of each stack listens on every interface at $PORT: quoted in a fix only when
# kata recognised the repo's stack (kata.stack), so a Go learner is never told about uvicorn.
_LISTEN = {
    "fastapi": "uvicorn app.main:app --host 0.0.0.0 --port $PORT",
    "flask": "gunicorn -b 0.0.0.0:$PORT app:app",
    "django": "gunicorn -b 0.0.0.0:$PORT project.wsgi",
    "express": "app.listen(process.env.PORT, \"0.0.0.0\")",
    "nest": "await app.listen(process.env.PORT, \"0.0.0.0\")",
    "node": "server.listen(process.env.PORT, \"0.0.0.0\")",
    "go": "http.ListenAndServe(\":\"+os.Getenv(\"PORT\"), handler)",
}


def _listen_example(c: Clues) -> str:
    example = _LISTEN.get(c.stack or "")
    return f" (e.g. `{example}`)" if example else ""


@diagnosis("oom-killed")
def _oom(c: Clues) -> tuple[str, str] | None:
    if c.problem_kind == "app-exited" and c.oom_killed:
        return ("the app was killed for using more memory than its limit",
                "lower its memory use (fewer workers, no large in-memory data)")
    return None


@diagnosis("hard-coded-host", always=True)
def _hard_coded(c: Clues) -> tuple[str, str] | None:
    m = re.search(
        r"(?:(?:localhost|127\.0\.0\.1)[^\n]{0,60}(?:5432|6379|5672)[^\n]{0,80}"
        r"(?:refused|cannot assign requested address|failed)"
        r"|refused[^\n]{0,80}(?:localhost|127\.0\.0\.1)[^\n]{0,40}(?:5432|6379|5672))",
        c.app_log, re.IGNORECASE)
    if m:
        urls = [k for k in c.service_hosts if k.endswith("_URL")] or list(c.service_hosts)
        names = ", ".join(f"${k}" for k in urls) or "the service URL in env"
        return (f"the app dials a hard-coded localhost service ({m.group(0)[:80].strip()})",
                f"read {names} from the environment; inside the container localhost is the "
                "app itself")
    return None


@diagnosis("missing-tables", always=True)
def _missing_tables(c: Clues) -> tuple[str, str] | None:
    m = re.search(r'relation "([^"]+)" does not exist|no such table: (\w+)', c.app_log)
    if m:
        table = m.group(1) or m.group(2)
        return (f"the database has no table {table!r}: migrations did not run",
                "create the schema at startup (CREATE TABLE IF NOT EXISTS, or run your "
                "migrations in the container's command before the server starts)")
    return None


@diagnosis("listens-on-localhost")
def _localhost(c: Clues) -> tuple[str, str] | None:
    if c.problem_kind != "never-ready" or not c.listening:
        return None
    loopback = [p for a, p in c.listening if a in ("127.0.0.1", "::1")]
    if c.port in loopback:
        return (f"the app listens on 127.0.0.1:{c.port}, which nothing outside the container "
                "can reach",
                "listen on every interface (0.0.0.0, or :: for IPv6 too), port $PORT"
                + _listen_example(c))
    return None


@diagnosis("wrong-port")
def _wrong_port(c: Clues) -> tuple[str, str] | None:
    if c.problem_kind != "never-ready" or not c.listening:
        return None
    ports = sorted({p for a, p in c.listening if p != c.port})
    if ports and c.port not in {p for _, p in c.listening}:
        shown = ", ".join(str(p) for p in ports[:3])
        return (f"the app listens on port {shown}, not on $PORT ({c.port})",
                "read the port from the PORT environment variable")
    return None


@diagnosis("health-endpoint")
def _health(c: Clues) -> tuple[str, str] | None:
    m = re.search(r"GET (\S+) answered (\d{3})", c.problem_message)
    if c.problem_kind == "never-ready" and m:
        path, status = m.group(1), m.group(2)
        why = "does not exist" if status == "404" else "fails"
        return (f"the health endpoint {path} {why} (it answered {status})",
                f"add GET {path} returning 200 once the app can serve requests")
    return None


# -- the image's command -----------------------------------------------------------------
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


def sets_command(dockerfile: str) -> bool:
    """Whether the final stage names what the container runs (CMD or ENTRYPOINT), itself
    or through an earlier stage it is built FROM. Without one, the container runs the base
    image's default: `python3`, which exits at once."""
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


@diagnosis("no-cmd")
def _no_cmd(c: Clues) -> tuple[str, str] | None:
    # exit 0 (or never ready): the base's default ran and ended; a failure code means a
    # program of the learner's did run, so the log tail says more than this would
    came_to_nothing = c.problem_kind == "never-ready" or (
        c.problem_kind == "app-exited" and c.exit_code == 0)
    if came_to_nothing and c.dockerfile and not sets_command(c.dockerfile):
        return ("the Dockerfile has no CMD, so the container runs the base image's default "
                "command, not your server",
                "end the Dockerfile with a CMD that starts the server on 0.0.0.0:$PORT"
                + _listen_example(c))
    return None


@diagnosis("not-listening")
def _not_listening(c: Clues) -> tuple[str, str] | None:
    if c.problem_kind == "never-ready" and c.listening == []:
        return ("the app is running but listens on no TCP port",
                "start the server in the container's CMD (is the CMD missing, or does it "
                "start something else?)")
    return None


@diagnosis("app-exited")
def _exited(c: Clues) -> tuple[str, str] | None:
    if c.problem_kind == "app-exited":
        code = "" if c.exit_code is None else f" with code {c.exit_code}"
        hint = ("it finished instead of serving: is the CMD a server?" if c.exit_code == 0
                else "read the log tail below for the error")
        return (f"the app exited{code} before it was ready", hint)
    return None
