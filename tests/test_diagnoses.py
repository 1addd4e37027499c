"""Each named diagnosis recognises its cause from the clues (pure; the real-Docker fixture
repos in test_diagnoses_docker.py prove the clues are gathered for real)."""

import pytest

from kata.diagnoses import Clues, diagnose, diagnose_graded, failing_step, sets_command

CASES = [
    ("buildkit-syntax", Clues(
        problem_kind="build-failed",
        build_log="Step 3/5 : RUN --mount=type=cache,target=/root/.cache pip install x\n"
                  "the --mount option requires BuildKit")),
    ("pin-not-found", Clues(
        problem_kind="build-failed",
        build_log="ERROR: Could not find a version that satisfies the requirement "
                  "fastapi==0.0.999 (from versions: 0.1.0)\n"
                  "ERROR: No matching distribution found for fastapi==0.0.999")),
    ("needs-compiler", Clues(problem_kind="build-failed",
                             build_log="Error: pg_config executable not found.\n")),
    ("build-step-failed", Clues(problem_kind="build-failed",
                                build_log="Step 2/3 : RUN false\n ---> Running in ab\n")),
    ("oom-killed", Clues(problem_kind="app-exited", oom_killed=True, exit_code=137)),
    ("hard-coded-host", Clues(problem_kind="app-exited", exit_code=1, app_log=(
        'psycopg2.OperationalError: connection to server at "localhost" (127.0.0.1), '
        "port 5432 failed: Connection refused"))),
    ("missing-tables", Clues(problem_kind="", app_log='relation "items" does not exist')),
    ("passlib-bcrypt5", Clues(problem_kind="", app_log=(
        '  File "/usr/local/lib/python3.12/site-packages/passlib/handlers/bcrypt.py", line 421,'
        " in _finalize_backend_mixin\n    if detect_wrap_bug(IDENT_2A):\n"
        '  File "…/passlib/handlers/bcrypt.py", line 655, in _calc_checksum\n'
        "    hash = _bcrypt.hashpw(secret, config)\nValueError: password cannot be longer "
        "than 72 bytes, truncate manually if necessary (e.g. my_password[:72])\n"))),
    ("listens-on-localhost", Clues(problem_kind="never-ready", port=8000,
                                   listening=[("127.0.0.1", 8000)])),
    ("wrong-port", Clues(problem_kind="never-ready", port=8000, listening=[("0.0.0.0", 5000)])),
    ("health-endpoint", Clues(problem_kind="never-ready", listening=[("0.0.0.0", 8000)],
                              problem_message="did not answer (last: GET /health answered 404, "
                                              "expected 200)")),
    ("not-listening", Clues(problem_kind="never-ready", listening=[])),
    ("app-exited", Clues(problem_kind="app-exited", exit_code=0)),
    ("localhost-ipv6", Clues(problem_kind="app-exited", exit_code=1, app_log=(
        "ERROR:    [Errno 99] error while attempting to bind on address ('::1', 8000, 0, 0): "
        "cannot assign requested address"))),
    ("localhost-ipv6", Clues(problem_kind="app-exited", exit_code=1, app_log=(  # Node
        "Error: listen EADDRNOTAVAIL: address not available ::1:3000\n    at Server.listen"))),
    ("database-credentials", Clues(problem_kind="app-exited", exit_code=1, app_log=(
        'FATAL:  password authentication failed for user "postgres"'))),
    ("database-credentials", Clues(problem_kind="app-exited", exit_code=1, app_log=(
        'could not translate host name "database" to address: Name or service not known'))),
    ("database-credentials", Clues(problem_kind="app-exited", exit_code=1, app_log=(  # Go
        "dial tcp: lookup pg on 127.0.0.11:53: no such host"))),
    ("missing-setting", Clues(problem_kind="app-exited", exit_code=1, app_log=(
        "pydantic_core._pydantic_core.ValidationError: 1 validation error for Settings\n"
        "jwt_secret\n  Field required [type=missing, input_value={}, input_type=dict]"))),
    ("missing-setting", Clues(problem_kind="app-exited", exit_code=1, app_log=(
        "Traceback (most recent call last):\n  File \"/app/s.py\", line 3\n"
        "KeyError: 'SECRET_KEY'"))),
    ("missing-setting", Clues(problem_kind="app-exited", exit_code=1, app_log=(
        "Error: environment variable JWT_SECRET is not set\n    at Object.<anonymous>"))),
    ("traceback", Clues(problem_kind="app-exited", exit_code=0, app_log=(
        "Traceback (most recent call last):\n  File \"app.py\", line 9, in main\n"
        "    connect()\nsqlite3.OperationalError: unable to open database file\n"))),
    ("traceback", Clues(problem_kind="app-exited", exit_code=2, app_log=(
        "panic: runtime error: invalid memory address\n\ngoroutine 1 [running]:"))),
]


@pytest.mark.parametrize("expected,clues", CASES, ids=[c[0] for c in CASES])
def test_diagnosis_names_the_cause(expected, clues):
    d = diagnose(clues)
    assert d is not None and d.id == expected
    assert d.message and d.fix


def test_no_diagnosis_for_a_healthy_app():
    assert diagnose(Clues(problem_kind="", app_log="INFO started")) is None


def test_failing_step_finds_step_and_first_error():
    log = ("Step 1/3 : FROM python:3.12-slim\n ---> abc\nStep 2/3 : RUN pip install nope==9\n"
           "Collecting nope==9\nERROR: No matching distribution found for nope==9\n")
    assert failing_step(log) == ("RUN pip install nope==9",
                                 "ERROR: No matching distribution found for nope==9")


@pytest.mark.parametrize(("dockerfile", "sets"), [
    ("FROM python:3.12-slim\nCOPY . /app\n", False),
    ("FROM python:3.12-slim\nCMD [\"python\", \"app.py\"]\n", True),
    ("from python:3.12-slim\nentrypoint python app.py\n", True),
    ("FROM python:3.12-slim\n# CMD [\"python\", \"app.py\"]\n", False),
    ("FROM python:3.12-slim\nRUN echo \\\n  CMD\n", False),  # CMD inside a RUN's next line
    ("FROM python:3.12-slim AS build\nCMD x\nFROM python:3.12-slim\nCOPY --from=build /a /a\n",
     False),  # only the final stage counts
    ("FROM python:3.12-slim AS base\nCMD x\nFROM base\nCOPY . /app\n", True),  # inherited
    ("FROM --platform=linux/amd64 python:3.12-slim AS base\nCMD x\nFROM base AS final\n", True),
])
def test_whether_the_dockerfile_names_the_command(dockerfile, sets):
    assert sets_command(dockerfile) is sets


def test_no_cmd_is_named_only_for_an_app_that_did_not_come_up():
    clues = Clues(problem_kind="app-exited", exit_code=0, dockerfile="FROM python:3.12-slim\n")
    assert diagnose(clues).id == "no-cmd"
    with_cmd = Clues(problem_kind="app-exited", exit_code=0,
                     dockerfile="FROM python:3.12-slim\nCMD [\"python3\", \"app.py\"]\n")
    assert diagnose(with_cmd).id == "app-exited"
    assert diagnose_graded(Clues(dockerfile="FROM python:3.12-slim\n")) == []


def _missing(app_log: str, **clues):
    return diagnose(Clues(problem_kind="app-exited", exit_code=1, app_log=app_log, **clues))


def test_a_missing_setting_is_named_with_its_kata_toml_line():
    d = _missing("database_url\n  Field required [type=missing, input_value={}]")
    assert d.id == "missing-setting" and "DATABASE_URL" in d.message
    assert d.fix == 'set it in kata.toml: [env] DATABASE_URL = "…"'
    # where a service's address is meant, the line says which, over its facts
    d = _missing("KeyError: 'DB_URL'", service_hosts={"DATABASE_URL": "db"})
    assert d.fix == ('set it in kata.toml: [env] DB_URL = '
                     '"postgresql://{db.user}:{db.password}@{db.host}:{db.port}/{db.name}"')
    # a variable kata sets is not what is missing; a lower-case key is data, not a setting
    assert _missing("KeyError: 'PORT'").id == "app-exited"
    assert _missing("Traceback (most recent call last):\nKeyError: 'items'").id == "traceback"


def test_the_traceback_cause_is_its_last_line():
    log = ("Traceback (most recent call last):\n  File \"a.py\", line 1\nValueError: first\n"
           "\nDuring handling of the above exception, another exception occurred:\n\n"
           "Traceback (most recent call last):\n  File \"a.py\", line 3\n"
           "RuntimeError: second\n")
    d = diagnose(Clues(problem_kind="app-exited", exit_code=0, app_log=log))
    assert d.message == "the app failed and exited with code 0: RuntimeError: second"


def test_hard_coded_database_points_to_the_url_kata_sets_and_kata_toml():
    d = _missing('password authentication failed for user "postgres"',
                 service_hosts={"DATABASE_URL": "db", "DB_HOST": "db"})
    assert d.id == "database-credentials" and "'postgres'" in d.message
    assert d.fix.startswith("read $DATABASE_URL (or set `env` in kata.toml; `kata doctor`")


def _repo(tmp_path, files: dict[str, str], **config):
    from kata.repo import Repo
    from kata.repoconfig import parse

    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    typed = parse(config)
    return Repo(path=tmp_path.resolve(), config=typed, app=typed.top)


def test_fixes_do_not_assume_python(tmp_path):
    """A Go or Node repo gets a generic tip; a Python one the uvicorn example."""
    no_cmd = "FROM golang:1.22\nCOPY . .\n"
    go = _repo(tmp_path / "go", {"go.mod": "module x\n", "Dockerfile": no_cmd})
    py = _repo(tmp_path / "py", {"requirements.txt": "fastapi\n", "Dockerfile": no_cmd})
    clues = {"problem_kind": "app-exited", "exit_code": 0, "dockerfile": no_cmd}
    assert "uvicorn" not in diagnose(Clues(repo=go, **clues)).fix
    assert "uvicorn" in diagnose(Clues(repo=py, **clues)).fix
    local = {"problem_kind": "never-ready", "listening": [("127.0.0.1", 8000)]}
    assert "uvicorn" not in diagnose(Clues(repo=go, **local)).fix
    assert "uvicorn" not in diagnose(Clues(**local)).fix  # no repo: nothing assumed


def test_compose_command_becomes_the_kata_toml_command(tmp_path):
    repo = _repo(tmp_path, {"Dockerfile": "FROM node:20\nCOPY . .\n", "compose.yaml": (
        "services:\n  web:\n    build: .\n    command: [\"node\", \"dist/main.js\"]\n")})
    d = diagnose(Clues(problem_kind="app-exited", exit_code=0, repo=repo,
                       dockerfile="FROM node:20\nCOPY . .\n"))
    assert d.id == "compose-command"
    assert d.fix.startswith('set it in kata.toml: command = ["node", "dist/main.js"]')


def test_a_nested_dockerfile_gets_the_context_and_the_real_build_command(tmp_path):
    dockerfile = "FROM python:3.12-slim\nCOPY requirements.txt .\nCOPY src ./src\n"
    files = {"docker/app/Dockerfile": dockerfile, "requirements.txt": "", "src/app.py": ""}
    repo = _repo(tmp_path, files, dockerfile="docker/app/Dockerfile")
    log = ("Step 2/3 : COPY requirements.txt .\nCOPY failed: file not found in build context "
           "or excluded by .dockerignore: stat requirements.txt: file does not exist")
    d = diagnose(Clues(problem_kind="build-failed", build_log=log, repo=repo))
    assert d.id == "copy-context"
    assert 'context = "."' in d.fix and "`docker build -f docker/app/Dockerfile .`" in d.fix
    # with the context right, another failure names the same real command, not `docker build .`
    fixed = _repo(tmp_path, {}, dockerfile="docker/app/Dockerfile", context=".")
    d = diagnose(Clues(problem_kind="build-failed", build_log="Step 3/3 : RUN false\n",
                       repo=fixed))
    assert d.id == "build-step-failed"
    assert "`docker build -f docker/app/Dockerfile .`" in d.fix
    root = _repo(tmp_path / "root", {"Dockerfile": "FROM x\n"})
    d = diagnose(Clues(problem_kind="build-failed", build_log="Step 1/1 : RUN false\n",
                       repo=root))
    assert "`docker build .`" in d.fix


@pytest.mark.parametrize(("image", "nearest"), [
    ("python:3.10.4-slim", "python:3.10-slim"),
    ("python:3.10.4", "python:3.10"),
    ("python:3.10.4-slim-bookworm", "python:3.10-slim-bookworm"),
    ("postgres:15.3", "postgres:15"),
    ("python:3.10-alpine", None),  # another variant is another image
    ("postgres:16", None),  # another major is another program
    ("node:20.1", None),
])
def test_nearest_local_tag(image, nearest):
    from kata.localimages import nearest_tag

    local = ["python:3.10-slim", "python:3.10.13-slim", "python:3.11-slim", "python:3.10",
             "python:3.10-slim-bookworm", "postgres:15"]
    assert nearest_tag(image, local) == nearest


def test_a_hard_coded_localhost_database_points_to_kata_toml_too():
    d = _missing('connection to server at "localhost" (127.0.0.1), port 5432 failed: '
                 "Connection refused", service_hosts={"DATABASE_URL": "db"})
    assert d.id == "hard-coded-host"
    assert d.fix.startswith("read $DATABASE_URL (or set `env` in kata.toml)")


def test_a_nested_dockerfile_copying_from_the_root_gets_both_lines(tmp_path):
    files = {"docker/app/Dockerfile": "FROM x\nCOPY app.py .\n", "app.py": ""}
    d = diagnose(Clues(problem_kind="no-dockerfile", repo=_repo(tmp_path / "a", files)))
    assert d.id == "dockerfile-elsewhere"
    assert 'dockerfile = "docker/app/Dockerfile" and context = "."' in d.fix
    # one that copies from its own folder needs only `dockerfile`: the plain message says so
    own = {"backend/Dockerfile": "FROM x\nCOPY app.py .\n", "backend/app.py": ""}
    assert diagnose(Clues(problem_kind="no-dockerfile", repo=_repo(tmp_path / "b", own))) is None


@pytest.mark.parametrize(("stack", "shown", "absent"), [
    (None, "0.0.0.0", "uvicorn"),
    ("go", "http.ListenAndServe", "uvicorn"),
    ("express", "app.listen(process.env.PORT", "uvicorn"),
    ("fastapi", "uvicorn", "app.listen"),
])
def test_a_fix_quotes_a_framework_only_for_the_recognised_stack(stack, shown, absent):
    clues = Clues(problem_kind="never-ready", port=8000, listening=[("127.0.0.1", 8000)],
                  stack=stack)
    found = diagnose(clues)
    assert found is not None and found.id == "listens-on-localhost"
    assert shown in found.fix and absent not in found.fix
    no_cmd = diagnose(Clues(problem_kind="never-ready", dockerfile="FROM x\n", stack=stack))
    assert no_cmd is not None and no_cmd.id == "no-cmd" and absent not in no_cmd.fix


def test_a_compiler_fix_names_python_wheels_only_for_a_python_build():
    py = diagnose(Clues(problem_kind="build-failed", build_log="Failed building wheel for x"))
    node = diagnose(Clues(problem_kind="build-failed", build_log="gyp: gcc: not found",
                          stack="node"))
    assert py is not None and "wheel" in py.fix
    assert node is not None and node.id == "needs-compiler" and "wheel" not in node.fix
