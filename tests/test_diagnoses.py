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
    ("listens-on-localhost", Clues(problem_kind="never-ready", port=8000,
                                   listening=[("127.0.0.1", 8000)])),
    ("wrong-port", Clues(problem_kind="never-ready", port=8000, listening=[("0.0.0.0", 5000)])),
    ("health-endpoint", Clues(problem_kind="never-ready", listening=[("0.0.0.0", 8000)],
                              problem_message="did not answer (last: GET /health answered 404, "
                                              "expected 200)")),
    ("not-listening", Clues(problem_kind="never-ready", listening=[])),
    ("app-exited", Clues(problem_kind="app-exited", exit_code=0)),
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
