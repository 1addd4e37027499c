"""kata.toml, typed: every bad input is one message naming the key, exit 2 through the CLI
(no Docker is reached: the file is checked before anything starts); what a good one says
reaches the sandbox (port, command, env, health); monorepo tables; `kata init`; the
generated reference page."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from kata.catalog import load_catalog
from kata.cli.main import app
from kata.engine import GradeOptions, as_configured, grade
from kata.errors import NoDockerfile, OutsideRepo
from kata.repo import exercise_repos, open_repo
from kata.repoconfig import KataTomlInvalid, parse, reference, render_env
from kata.sandbox.fake import FakeSandbox

ROOT = Path(__file__).resolve().parents[1]
CATALOG = load_catalog()
runner = CliRunner()


def kata(*args: str):
    return runner.invoke(app, list(args), env={"KATA_ACTION": "", "COLUMNS": "300"})


def _repo(tmp_path: Path, toml: str, dockerfile: bool = True) -> Path:
    (tmp_path / "kata.toml").write_text(toml)
    if dockerfile:
        (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    return tmp_path


BAD = [
    ("dockerfile = 5", "`dockerfile` must be a file path (a string), not 5 (a number)"),
    ('dockerfle = "x"', "unknown key `dockerfle` — did you mean 'dockerfile'?"),
    ('Exercise = "rest-api"', "unknown key `Exercise` — did you mean 'exercise'?"),
    ('port = "9090"', "`port` must be a port number (1-65535), not '9090' (a string)"),
    ("port = 70000", "`port` must be a port number (1-65535)"),
    ("command = 3", "`command` must be a string or a list of strings"),
    ('command = ["uvicorn", 3]', "`command.1` must be a string, not 3"),
    ("command = \"sh -c 'x\"", "cannot be split into words"),
    ('command = ""', "command is empty"),
    ('health = "healthz"', "it must start with / (e.g. \"/healthz\")"),
    ("[env]\nWORKERS = 2", "`env.WORKERS` must be a string (env values are text: quote numbers)"),
    ('[env]\nPORT = "1"', "write `port = N` instead"),
    ('[env]\n1X = "a"', "env name '1X' is not a variable name"),
    ('[env]\nURL = "{db}"', "env.URL uses {db}: a placeholder is {service.fact}"),
    ('[env]\nURL = "{db.host"', "env.URL = '{db.host' is not a valid template"),
    ('[env]\nURL = "{db.usr}"', "db has no fact 'usr' — did you mean 'user'?"),
    ('[env]\nURL = "{dv.host}"', "there is no service 'dv' — did you mean 'db'?"),
    ("exercises = 5", "`exercises` must be a list of exercise ids, or [exercises.<id>] tables"),
    ('exercise = "rest-api"\nexercises = ["kv-store"]', "both `exercise` and `exercises`"),
    ("[exercise.rest-api]\nport = 1", "(a monorepo's tables are [exercises.<id>])"),
    ("[exercises.rest-api]\nprot = 1",
     "unknown key `exercises.rest-api.prot` — did you mean 'port'?"),
    ('[exercises.rest-api]\nport = "x"', "`exercises.rest-api.port` must be a port number"),
    ('port = 1\n[exercises.rest-api]\ncontext = "."', "`port` at the top does nothing"),
    ("[exercises.kv-store]\nport = 1", "tables but none for rest-api"),
    ('[exercises.rest-apl]\nport = 1', "exercise 'rest-apl', which kata does not know — did "
                                       "you mean 'rest-api'?"),
    ("not toml = = 1", "is not valid TOML"),
    ('"[/]" = 1', "unknown key `[/]`"),  # rich markup in a message is printed as text
]


@pytest.mark.parametrize("toml,message", BAD, ids=[b[0] for b in BAD])
def test_a_bad_kata_toml_is_exit_2_naming_the_key(tmp_path, toml, message):
    result = kata("grade", "rest-api", str(_repo(tmp_path, toml)))
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split()), result.output
    assert "Traceback" not in result.output and "fix:" in result.output


def test_keys_that_do_not_fit_the_exercise_are_exit_2(tmp_path):
    result = kata("grade", "kv-store", str(_repo(tmp_path, 'health = "/h"')))
    assert result.exit_code == 2 and "probed with resp" in result.output, result.output
    result = kata("grade", "todo-cli", str(_repo(tmp_path, "port = 9000")))
    assert result.exit_code == 2 and "`port` is for apps that serve" in result.output
    result = kata("grade", "kv-store", str(_repo(tmp_path, '[env]\nX = "{db.host}"')))
    assert result.exit_code == 2 and "no services" in result.output, result.output


def test_a_kata_toml_linked_out_of_the_repo_is_refused(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "kata.toml").write_text('exercise = "rest-api"\n')
    (outside / "Dockerfile").write_text("FROM scratch\n")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "kata.toml").symlink_to(outside / "kata.toml")
    result = kata("grade", "rest-api", str(repo))
    assert result.exit_code == 3, result.output
    assert "kata.toml is a link to a file outside the repository" in result.output
    # a Dockerfile named by kata.toml that leads out: refused too, as the repo's problem
    (repo / "kata.toml").unlink()
    (repo / "kata.toml").write_text('dockerfile = "df"\n')
    (repo / "df").symlink_to(outside / "Dockerfile")
    with pytest.raises(OutsideRepo, match="leads outside the repository"):
        open_repo(repo).dockerfile()
    (repo / "kata.toml").write_text('context = "ctx"\n')
    (repo / "ctx").symlink_to(outside, target_is_directory=True)
    with pytest.raises(OutsideRepo):
        open_repo(repo).build_context()
    # a monorepo's subfolder that is a link out
    (repo / "kata.toml").unlink()
    (repo / "ctx").unlink()
    (repo / "linked").symlink_to(outside, target_is_directory=True)
    result = kata("grade", "week1", str(repo))
    assert result.exit_code == 3 and "linked is a link to a folder outside" in result.output


def test_good_keys_parse_and_the_command_splits_like_compose():
    cfg = parse({"exercise": "rest-api", "port": 9090, "health": "/healthz",
                 "command": "uvicorn 'main:app' --port 9090", "env": {"A": "{db.host}"}})
    assert cfg.exercise_ids == ["rest-api"]
    assert cfg.top.argv == ["uvicorn", "main:app", "--port", "9090"]
    assert parse({"command": ["sh", "-c", "x $PORT"]}).top.argv == ["sh", "-c", "x $PORT"]


def test_env_templates_fill_in_service_facts():
    facts = {"db": {"host": "db", "port": "5432", "user": "kata", "password": "pw",
                    "name": "kata"}}
    env = {"DATABASE_URL": "postgresql+asyncpg://{db.user}:{db.password}@{db.host}:"
                           "{db.port}/{db.name}", "LITERAL": "{{not a placeholder}}"}
    assert render_env(env, facts) == {
        "DATABASE_URL": "postgresql+asyncpg://kata:pw@db:5432/kata",
        "LITERAL": "{not a placeholder}"}
    with pytest.raises(KataTomlInvalid, match="did you mean 'password'"):
        render_env({"X": "{db.pasword}"}, facts)


def test_the_engine_runs_the_app_as_kata_toml_says(tmp_path):
    """port, command, health and env (a template over the exercise's own service facts)
    reach the sandbox; the exercise's exports stay."""
    ex = CATALOG.get("rest-api")
    repo = open_repo(_repo(tmp_path, (
        'port = 9090\ncommand = "serve --fast"\nhealth = "/healthz"\n'
        '[env]\nDB_DSN = "postgresql://{db.user}:{db.password}@{db.host}:{db.port}/{db.name}"'
    ))).for_exercise(ex.id)
    configured = as_configured(ex, repo.app)
    assert configured.app.port == 9090
    assert configured.app.readiness.path == "/healthz"
    assert configured.app.readiness.expect_status == 200
    assert ex.app.port == 8000  # the catalog's exercise is left as it is
    sandbox = FakeSandbox()  # no app answers here: graded without a readiness probe
    quiet = ex.model_copy(update={"app": ex.app.model_copy(update={
        "readiness": ex.app.readiness.model_copy(update={"probe": "none"})})})
    grade(quiet, repo, Path("."), lambda e, rid: sandbox, GradeOptions(only={"boot"}))
    assert sandbox.command == ["serve", "--fast"]
    assert sandbox.env["PORT"] == "9090"
    assert sandbox.env["DB_DSN"] == "postgresql://kata:kata@db:5432/kata"
    assert sandbox.env["DATABASE_URL"] == "postgresql://kata:kata@db:5432/kata"


def test_monorepo_tables_grade_each_exercise_from_its_own_folder(tmp_path):
    for name in ("api", "kv"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "Dockerfile").write_text("FROM scratch\n")
    (tmp_path / "kata.toml").write_text(
        '[exercises.rest-api]\ncontext = "api"\nport = 9090\n\n'
        '[exercises.kv-store]\ndockerfile = "kv/Dockerfile"\n')
    pairs = dict(exercise_repos(open_repo(tmp_path), ["rest-api", "kv-store", "todo-cli"]))
    assert sorted(pairs) == ["kv-store", "rest-api"]
    api, kv = pairs["rest-api"], pairs["kv-store"]
    assert api.dockerfile() == tmp_path.resolve() / "api" / "Dockerfile"
    assert api.build_context() == tmp_path.resolve() / "api" and api.app.port == 9090
    assert kv.dockerfile() == tmp_path.resolve() / "kv" / "Dockerfile"
    assert kv.build_context() == tmp_path.resolve() / "kv" and kv.app.port is None
    # a table whose folder has no Dockerfile says where it looked
    (tmp_path / "kata.toml").write_text('[exercises.rest-api]\ncontext = "kv/.."\n')
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    assert open_repo(tmp_path).for_exercise("rest-api").dockerfile().parent == tmp_path.resolve()
    (tmp_path / "kata.toml").write_text('[exercises.rest-api]\ncontext = "empty"\n')
    (tmp_path / "empty").mkdir()
    with pytest.raises(NoDockerfile, match="no Dockerfile in 'empty'"):
        open_repo(tmp_path).for_exercise("rest-api").dockerfile()


def test_per_subfolder_kata_toml_still_works(tmp_path):
    for name, ex in (("one", "rest-api"), ("two", "kv-store")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "Dockerfile").write_text("FROM scratch\n")
        (tmp_path / name / "kata.toml").write_text(f'exercise = "{ex}"\nport = 7000\n')
    pairs = dict(exercise_repos(open_repo(tmp_path), ["rest-api", "kv-store"]))
    assert pairs["rest-api"].path == (tmp_path / "one").resolve()
    assert pairs["kv-store"].app.port == 7000


def test_init_week_writes_the_kata_toml_the_workflow_needs_or_refuses(tmp_path):
    # one folder per exercise, named for it: tables for each
    for name in ("rest-api", "kv-store"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "Dockerfile").write_text("FROM scratch\n")
    result = kata("init", "week1", str(tmp_path), "--action", "o/kata@v1")
    assert result.exit_code == 0, result.output
    written = (tmp_path / "kata.toml").read_text()
    assert '[exercises.rest-api]\ncontext = "rest-api"' in written
    assert '[exercises.kv-store]\ncontext = "kv-store"' in written
    assert sorted(i for i, _ in exercise_repos(open_repo(tmp_path), ["rest-api", "kv-store",
                                                                     "todo-cli"])) == [
        "kv-store", "rest-api"]
    # nothing says which: refused, and nothing written
    bare = tmp_path / "bare"
    bare.mkdir()
    (bare / "Dockerfile").write_text("FROM scratch\n")
    result = kata("init", "week1", str(bare), "--action", "o/kata@v1")
    assert result.exit_code == 2 and "does not say which it solves" in result.output
    assert not (bare / ".github").exists() and not (bare / "kata.toml").exists()
    # a kata.toml that names one exercise of the week is enough
    (bare / "kata.toml").write_text('exercise = "kv-store"\n')
    assert kata("init", "week1", str(bare), "--action", "o/kata@v1").exit_code == 0
    assert (bare / "kata.toml").read_text() == 'exercise = "kv-store"\n'


def test_the_reference_page_is_generated_from_the_model():
    page = (ROOT / "docs" / "kata-toml.md").read_text()
    assert page == reference(), "regenerate: python -m kata.repoconfig > docs/kata-toml.md"
    for key in ("exercise", "exercises", "context", "dockerfile", "port", "command",
                "health", "env"):
        assert f"## `{key}`" in page
        section = page.split(f"## `{key}`")[1].split("## ")[0]
        assert "```toml" in section, key  # every key with an example
    shown = kata("show", "kata.toml")
    assert shown.exit_code == 0 and "uvicorn main:app" in shown.output
    rest = kata("show", "rest-api")
    assert "{db.password}" in rest.output, rest.output


def test_every_documented_example_parses():
    import tomllib

    for block in reference().split("```toml\n")[1:]:
        parse(tomllib.loads(block.split("```")[0]))
