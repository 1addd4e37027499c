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

from kata import doctor, stack
from kata.doctor import instructions, sets_command
from kata.errors import RepoProblem
from kata.repo import Repo
from kata.report import Diagnosis

__all__ = ["Clues", "Diagnosis", "diagnose", "diagnose_graded", "diagnosis", "failing_step",
           "instructions", "sets_command"]


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
    repo: Repo | None = None  # the learner's repo, read (never run) for what the log lacks
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


# -- the repository ----------------------------------------------------------------------
@diagnosis("dockerfile-elsewhere")
def _dockerfile_elsewhere(c: Clues) -> tuple[str, str] | None:
    """Only a nested Dockerfile whose COPY lines start at the root: say both kata.toml
    lines at once, not `dockerfile` now and `context` after the next failed build."""
    if c.problem_kind != "no-dockerfile" or c.repo is None:
        return None
    nested = c.repo.find_nested_dockerfiles()
    if not nested:
        return None
    needed, _ = doctor.needed_context(c.repo.path, nested[0])
    if needed != c.repo.path:
        return None
    rel = nested[0].relative_to(c.repo.path).as_posix()
    return (f"no Dockerfile at the repository root; {rel} copies paths from the root",
            f'add to kata.toml: dockerfile = "{rel}" and context = "." (kata then builds it '
            f"as `docker build -f {rel} .`)")


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


COPY_MISSING = re.compile(
    r"(COPY|ADD) failed|not found in build context|failed to compute cache key"
    r"|file does not exist|no such file or directory", re.IGNORECASE)


def build_command(repo: Repo | None) -> str:
    """The `docker build` line that builds what kata builds (never a bare `docker build .`
    where the Dockerfile is elsewhere)."""
    if repo is None:
        return "docker build ."
    try:
        dockerfile, context = repo.dockerfile(), repo.build_context()
    except RepoProblem:
        return "docker build ."
    root = repo.path
    ctx = context.relative_to(root).as_posix() if context != root else "."
    if dockerfile == context / "Dockerfile":
        return f"docker build {ctx}"
    return f"docker build -f {dockerfile.relative_to(root).as_posix()} {ctx}"


@diagnosis("copy-context")
def _copy_context(c: Clues) -> tuple[str, str] | None:
    if c.problem_kind != "build-failed" or c.repo is None:
        return None
    step, _ = failing_step(c.build_log)
    if not (step.upper().startswith(("COPY", "ADD")) or re.search(
            r"(COPY|ADD) failed", c.build_log + c.problem_message, re.IGNORECASE)):
        return None
    if not COPY_MISSING.search(c.build_log + "\n" + c.problem_message):
        return None
    try:
        dockerfile, context = c.repo.dockerfile(), c.repo.build_context()
    except RepoProblem:
        return None
    needed, _ = doctor.needed_context(c.repo.path, dockerfile)
    if needed is None or needed == context:
        return None
    rel = needed.relative_to(c.repo.path).as_posix() if needed != c.repo.path else "."
    shown = f"`{step}`" if step else "a COPY line"
    return (f"{shown} found nothing: the Dockerfile is in "
            f"{dockerfile.parent.relative_to(c.repo.path).as_posix()}/ and its COPY paths "
            f"start at {'the repository root' if rel == '.' else rel}",
            f'set `context = "{rel}"` in kata.toml: kata then builds it as '
            f"`docker build -f {dockerfile.relative_to(c.repo.path).as_posix()} {rel}`")


@diagnosis("build-step-failed")
def _build_step(c: Clues) -> tuple[str, str] | None:
    if c.problem_kind != "build-failed":
        return None
    step, error = failing_step(c.build_log)
    where = f"`{step}`" if step else "a build step"
    return (f"{where} failed" + (f": {error}" if error else ""),
            f"run `{build_command(c.repo)}` locally and fix that step")


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
    example = _LISTEN.get(_stack(c) or "")
    return f" (e.g. `{example}`)" if example else ""


@diagnosis("oom-killed")
def _oom(c: Clues) -> tuple[str, str] | None:
    if c.problem_kind == "app-exited" and c.oom_killed:
        return ("the app was killed for using more memory than its limit",
                "lower its memory use (fewer workers, no large in-memory data)")
    return None


@diagnosis("localhost-ipv6")
def _localhost_ipv6(c: Clues) -> tuple[str, str] | None:
    if c.problem_kind not in ("app-exited", "never-ready"):
        return None
    m = re.search(r"[^\n]{0,80}(?:\(?'?::1'?|\[::1\])[^\n]{0,80}(?:cannot assign requested "
                  r"address|address not available|EADDRNOTAVAIL)[^\n]{0,40}"
                  r"|[^\n]{0,80}EADDRNOTAVAIL[^\n]{0,40}::1[^\n]{0,40}", c.app_log,
                  re.IGNORECASE)
    if m:
        return ("the app binds `localhost`, which also means ::1, and containers here have no "
                f"IPv6: {m.group(0).strip()[:140]}",
                "bind to 0.0.0.0 (all IPv4 interfaces), not localhost")
    return None


@diagnosis("database-credentials", always=True)
def _database_credentials(c: Clues) -> tuple[str, str] | None:
    m = re.search(r'password authentication failed for user "?([^"\s]+)"?'
                  r'|could not translate host name "([^"]+)"'
                  r"|getaddrinfo (?:ENOTFOUND|EAI_AGAIN) ([\w.-]+)"
                  r"|lookup ([\w.-]+) on [\d.:]+: no such host"
                  r'|role "([^"]+)" does not exist'
                  r'|database "([^"]+)" does not exist', c.app_log)
    if not m:
        return None
    user, host, node_host, go_host, role, db = m.groups()
    host = host or node_host or go_host
    what = (f"its own database user {user or role!r}" if user or role
            else f"a database host {host!r} that is not on kata's network" if host
            else f"its own database {db!r}")
    urls = [k for k in c.service_hosts if k.endswith("_URL")] or list(c.service_hosts)
    names = " / ".join(f"${k}" for k in urls[:2]) or "the database URL kata sets"
    return (f"the app connects with {what}, written into the code or its config "
            f"({m.group(0)[:100]})",
            f"read {names} (or set `env` in kata.toml; `kata doctor` proposes the line), "
            "instead of a hard-coded address or credentials")


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
                f"read {names} (or set `env` in kata.toml); inside the container localhost "
                "is the app itself")
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


@diagnosis("passlib-bcrypt5", always=True)
def _passlib_bcrypt5(c: Clues) -> tuple[str, str] | None:
    """passlib 1.7.4 (its last release) loads bcrypt with a self-test that hashes a secret
    over 72 bytes; bcrypt 5 refuses one, so every hash and check raises."""
    if not re.search(r"detect_wrap_bug[\s\S]{0,3000}?password cannot be longer than 72 bytes",
                     c.app_log):
        return None
    return ("passlib cannot use bcrypt 5: passlib's start-up self-test hashes a password over "
            "72 bytes, which bcrypt 5 refuses, so every password hash and check fails "
            "(ValueError: password cannot be longer than 72 bytes)",
            "hash with bcrypt itself (bcrypt.hashpw / bcrypt.checkpw), argon2-cffi or "
            "hashlib.scrypt — passlib is no longer maintained; pinning bcrypt<5 only "
            "postpones it")


SETTING_MISSING = [
    re.compile(r"^(\w+)\n\s+Field required \[type=missing", re.MULTILINE),  # pydantic 2
    re.compile(r"^(\w+)\n\s+field required \(type=value_error\.missing\)", re.MULTILINE),
    re.compile(r"KeyError: '([A-Z][A-Z0-9_]*)'"),  # os.environ["X"]; a lower-case key is data
    re.compile(r"environment variable:?\s+[\"'`]?([A-Z][A-Z0-9_]+)[\"'`]?\s+(?:is\s+)?"
               r"(?:not set|missing|required|undefined|empty)", re.IGNORECASE),
    re.compile(r"missing (?:required )?env(?:ironment)?(?: var(?:iable)?s?)?:?\s+"
               r"[\"'`]?([A-Z][A-Z0-9_]+)", re.IGNORECASE),
    re.compile(r"\b([A-Z][A-Z0-9]*_[A-Z0-9_]+|[A-Z]{3,})[\"'`]?\s+(?:env(?:ironment)? "
               r"var(?:iable)?\s+)?(?:is\s+)?(?:not set|required|missing)\b"),
]


@diagnosis("missing-setting")
def _missing_setting(c: Clues) -> tuple[str, str] | None:
    if c.problem_kind not in ("app-exited", "never-ready"):
        return None
    for pattern in SETTING_MISSING:
        if m := pattern.search(c.app_log):
            name = m.group(1).upper()
            if name == "PORT" or name in c.service_hosts:
                continue  # kata sets these: something else is wrong
            value = _env_value(name, c)
            return (f"the app needs the setting {name}, which nothing sets here "
                    f"({m.group(0).strip().splitlines()[-1][:80]})",
                    f'set it in kata.toml: [env] {name} = "{value}"')
    return None


def _env_value(name: str, c: Clues) -> str:
    """A value to show in the kata.toml line: a template over a service where the name
    says it holds one's address, else a placeholder."""
    if doctor.URL_NAME.search(name):
        for kind, pattern in doctor.KIND_IN_NAME:
            service = next((s for k, s in c.service_hosts.items()
                            if k.endswith("_URL") and pattern.search(k)), None)
            if pattern.search(name) and service and kind in doctor.TEMPLATES:
                return doctor.template(kind, doctor.ServiceFacts(by_kind={kind: service})) or ""
    return "…"


TRACEBACK_END = [
    # Python: the line after the last frame
    re.compile(r"Traceback \(most recent call last\):\n(?:[ \t].*\n|\n)*([^\s].*)"),
    re.compile(r"^(panic: .+)$", re.MULTILINE),  # Go
    re.compile(r"^((?:\w+)?Error(?:\s\[\w+\])?: .+)\n\s+at ", re.MULTILINE),  # Node
]


@diagnosis("traceback")
def _traceback(c: Clues) -> tuple[str, str] | None:
    if c.problem_kind != "app-exited":
        return None
    causes = sorted((m.start(1), m.group(1).strip()) for p in TRACEBACK_END
                    for m in p.finditer(c.app_log))
    if not causes:
        return None
    code = "" if c.exit_code is None else f" with code {c.exit_code}"
    return (f"the app failed and exited{code}: {causes[-1][1][:200]}",
            "fix that error (the log tail shows where it was raised)"
            + ("; a server that cannot start should exit non-zero" if c.exit_code == 0
               else ""))


def _stack(c: Clues) -> str | None:
    """The repo's stack (kata.stack), for examples in fixes; None where kata cannot tell."""
    if c.stack or c.repo is None:
        return c.stack
    return stack.detect(c.repo.path)


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
def _toml_sets_command(c: Clues) -> bool:
    """kata.toml's `command` replaces the image's CMD: a Dockerfile without one is fine."""
    return c.repo is not None and bool(c.repo.app.command)


@diagnosis("compose-command")
def _compose_command(c: Clues) -> tuple[str, str] | None:
    came_to_nothing = c.problem_kind == "never-ready" or (
        c.problem_kind == "app-exited" and c.exit_code == 0)
    if not (came_to_nothing and c.dockerfile and not sets_command(c.dockerfile)) \
            or _toml_sets_command(c):
        return None
    compose = doctor.compose_app(c.repo.path) if c.repo else None
    if compose is None or compose.command is None:
        return None
    command, _ = doctor.without_reload(compose.command)
    line = doctor.Proposal(settings={"command": command}).toml().strip()
    return (f"the Dockerfile has no CMD; {compose.file} starts service {compose.name!r} "
            "with a command kata does not read",
            f"set it in kata.toml: {line} (or end the Dockerfile with that CMD)")


@diagnosis("no-cmd")
def _no_cmd(c: Clues) -> tuple[str, str] | None:
    # exit 0 (or never ready): the base's default ran and ended; a failure code means a
    # program of the learner's did run, so the log tail says more than this would
    came_to_nothing = c.problem_kind == "never-ready" or (
        c.problem_kind == "app-exited" and c.exit_code == 0)
    if came_to_nothing and c.dockerfile and not sets_command(c.dockerfile) \
            and not _toml_sets_command(c):
        return ("the Dockerfile has no CMD, so the container runs the base image's default "
                "command, not your server",
                "end the Dockerfile with a CMD that starts the server on 0.0.0.0:$PORT"
                + _listen_example(c) + " (or set `command` in kata.toml)")
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
