"""`kata doctor` reads a repository written without kata and proposes its kata.toml.

Golden tests: each folder of tests/fixtures/doctor is a repository in the style of real
learner repos with one or more patterns; its `<name>.expected` is the proposal, reasons
included. Regenerate with KATA_UPDATE_GOLDEN=1 and read the diff before committing.
"""

from __future__ import annotations

import os
import shutil
import tomllib
from pathlib import Path

import pytest

from kata.catalog import load_catalog
from kata.doctor import (
    MAX_FILE_BYTES,
    compose_app,
    copy_sources,
    env_reads,
    facts_of,
    propose,
    repo_files,
)

FIXTURES = Path(__file__).parent / "fixtures" / "doctor"
CASES = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())
FACTS = facts_of(load_catalog().get("rest-api"))


@pytest.mark.parametrize("case", CASES)
def test_proposal_matches_its_golden(case):
    text = propose(FIXTURES / case, "rest-api", FACTS).text()
    golden = FIXTURES / f"{case}.expected"
    if os.environ.get("KATA_UPDATE_GOLDEN"):
        golden.write_text(text)
    assert text == golden.read_text()


@pytest.mark.parametrize("case", CASES)
def test_proposal_is_valid_toml_with_the_keys_kata_toml_knows(case):
    data = tomllib.loads(propose(FIXTURES / case, "rest-api", FACTS).toml())
    assert set(data) <= {"exercise", "context", "dockerfile", "port", "command", "health",
                         "env"}
    assert data["exercise"] == "rest-api"
    assert all(isinstance(v, str) for v in data.get("env", {}).values())


def test_each_pattern_is_found():
    """The patterns of issue 11 §3, one assertion each, so a golden rewritten by mistake
    still cannot hide a pattern that stopped being found."""
    p = {c: tomllib.loads(propose(FIXTURES / c, "rest-api", FACTS).toml()) for c in CASES}
    assert p["compose-command"]["command"].startswith("uvicorn main:app")
    assert p["compose-command"]["env"] == {"SECRET_KEY": "dev-secret-key"}  # compose env
    assert p["nested-dockerfile"]["dockerfile"] == "docker/app/Dockerfile"
    assert p["nested-dockerfile"]["context"] == "."
    assert p["nested-dockerfile"]["port"] == 5000  # from the CMD
    assert p["node-env"]["port"] == 3000  # EXPOSE
    assert p["node-env"]["env"] == {"API_TOKEN": "change-me"}  # process.env, no default
    assert p["go-health"]["health"] == "/healthz"
    assert p["go-health"]["env"]["DATABASE_DSN"].startswith("postgresql://{db.user}")
    [go_change] = propose(FIXTURES / "go-health", "rest-api", FACTS).changes
    assert go_change.startswith("main.go:10 hard-codes localhost:6379: read the address")
    db = p["db-credentials"]["env"]  # pydantic BaseSettings fields
    assert db["DB_URL"] == "postgresql+asyncpg://{db.user}:{db.password}@{db.host}:{db.port}/{db.name}"
    assert db["JWT_SECRET"] == "change-me" and "TOKEN_MINUTES" not in db
    changes = propose(FIXTURES / "db-credentials", "rest-api", FACTS).changes
    assert len(changes) == 1 and "app/seed.py:3" in changes[0] and "localhost:5432" in changes[0]


def test_without_an_exercise_no_template_is_guessed():
    prop = propose(FIXTURES / "db-credentials")
    assert "exercise" not in prop.settings and "DB_URL" not in prop.env
    assert prop.env == {"JWT_SECRET": "change-me"}


def test_a_repo_kata_needs_nothing_for():
    repo = FIXTURES.parent / "diagnoses" / "wrong-port"
    text = propose(repo).text()
    assert "nothing to change" not in text  # it sets LISTEN_PORT... and reads BIND
    empty = propose(FIXTURES.parent / "diagnoses" / "app-exited")
    assert empty.settings == {} and empty.env == {} and "nothing to change" in empty.text()


@pytest.mark.parametrize(("dockerfile", "sources"), [
    ("FROM x\nCOPY requirements.txt .\nCOPY ./src/ /app/src\n", ["requirements.txt", "src"]),
    ("FROM x\nCOPY --chown=app:app a.txt b.txt /dst/\n", ["a.txt", "b.txt"]),
    ('FROM x\nCOPY ["main.py", "/app/"]\n', ["main.py"]),
    ("FROM x AS b\nFROM y\nCOPY --from=b /out /out\nCOPY . .\nADD https://x/y /z\n", []),
])
def test_copy_sources(dockerfile, sources):
    assert copy_sources(dockerfile) == sources


def test_compose_variants(tmp_path):
    (tmp_path / "compose.yaml").write_text(
        "services:\n  api:\n    build:\n      context: ./backend\n"
        "      dockerfile: Dockerfile.dev\n"
        "    command: [\"python\", \"-m\", \"app\"]\n"
        "    environment:\n      TOKEN: abc\n      EMPTY:\n"
        "    ports:\n      - target: 9000\n        published: 80\n      - \"127.0.0.1:81:9001\"\n")
    app = compose_app(tmp_path)
    assert app is not None and app.name == "api"
    assert app.command == ["python", "-m", "app"]
    assert app.environment == {"TOKEN": "abc"}
    assert app.ports == ["9000", "9001"]
    assert app.build_context == "backend"
    assert app.build_dockerfile == "backend/Dockerfile.dev"
    (tmp_path / "compose.yaml").write_text(
        "services:\n  app:\n    build:\n      context: ../..\n      dockerfile: /etc/passwd\n")
    app = compose_app(tmp_path)
    assert app.build_context is None and app.build_dockerfile is None  # outside the repo
    (tmp_path / "compose.yaml").write_text("services: [1, 2]\n: : bad")
    assert compose_app(tmp_path) is None


def test_the_repo_is_read_as_untrusted(tmp_path):
    """Links are not followed, sizes and counts are bounded, nothing is run."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "Dockerfile").write_text("FROM x\nCMD secret\n")
    (outside / "leak.py").write_text('os.environ["LEAKED"]\n')
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "Dockerfile").symlink_to(outside / "Dockerfile")
    (repo / "linked").symlink_to(outside, target_is_directory=True)
    (repo / "compose.yml").symlink_to(outside / "Dockerfile")
    big = "x = 1\n" * (MAX_FILE_BYTES // 6) + 'os.environ["TOO_FAR"]\n'
    (repo / "big.py").write_text(big)
    deep = repo.joinpath(*[f"d{i}" for i in range(12)])
    deep.mkdir(parents=True)
    (deep / "deep.py").write_text('os.environ["TOO_DEEP"]\n')
    files = repo_files(repo)
    assert files == [repo / "big.py"]
    many = tmp_path / "many"
    many.mkdir()
    for i in range(5):
        (many / f"f{i}.py").write_text("x" * MAX_FILE_BYTES * 2)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("kata.doctor.MAX_TOTAL_BYTES", 2 * MAX_FILE_BYTES)
        assert len(repo_files(many)) == 2  # each counted up to MAX_FILE_BYTES
    assert env_reads(repo, files) == []
    prop = propose(repo)
    assert "dockerfile" not in prop.settings and any("no Dockerfile" in c for c in prop.changes)


def test_cli_prints_the_proposal_and_its_reasons():
    from typer.testing import CliRunner

    from kata.cli.main import app

    done = CliRunner().invoke(app, ["doctor", str(FIXTURES / "nested-dockerfile"), "-e",
                                    "rest-api"])
    assert done.exit_code == 0, done.output
    assert propose(FIXTURES / "nested-dockerfile", "rest-api", FACTS).text() in done.output
    toml = done.output.split("\nWhy:")[0]
    assert tomllib.loads(toml)["context"] == "."  # the header is a comment: copy it whole
    bad = CliRunner().invoke(app, ["doctor", str(FIXTURES), "-e", "no-such"])
    assert bad.exit_code == 2 and "no exercise named 'no-such'" in bad.output


def test_a_compose_file_of_nested_aliases_is_not_expanded(tmp_path):
    """A YAML bomb: each level ten references to the one below. Parsing keeps references;
    only reading it as text would expand it (10**9 items)."""
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    (tmp_path / "compose.yml").write_text(
        "x-bomb:\n" + "".join(f"  {line}\n" for line in levels)
        + "services:\n  app:\n    build: .\n    command: *a9\n    environment: *a9\n"
        "    ports: *a9\n")
    app = compose_app(tmp_path)
    assert app is not None and app.command is None and app.environment == {}
    assert app.ports == []


def test_cli_takes_the_exercise_from_kata_toml(tmp_path):
    from typer.testing import CliRunner

    from kata.cli.main import app

    shutil.copytree(FIXTURES / "db-credentials", tmp_path / "repo")
    (tmp_path / "repo" / "kata.toml").write_text('exercise = "rest-api"\n')
    done = CliRunner().invoke(app, ["doctor", str(tmp_path / "repo")])
    assert done.exit_code == 0, done.output
    assert 'DB_URL = "postgresql+asyncpg://{db.user}' in done.output
    assert "pass --exercise" not in done.output
    (tmp_path / "repo" / "kata.toml").write_text("exercise = [\n")
    bad = CliRunner().invoke(app, ["doctor", str(tmp_path / "repo")])
    assert bad.exit_code == 2 and "not valid TOML" in bad.output


@pytest.mark.parametrize(("code", "port"), [
    ('app.run(host="0.0.0.0", port=5000)\n', 5000),
    ('uvicorn.run("main:app", host="0.0.0.0", port=8080)\n', 8080),
    ("app.listen(3000, () => console.log('up'))\n", 3000),
    ('http.ListenAndServe(":9090", nil)\n', 9090),
    ('app.run(port=int(os.environ.get("PORT", 5000)))\n', None),  # follows $PORT
])
def test_a_port_fixed_in_the_code(tmp_path, code, port):
    (tmp_path / "Dockerfile").write_text("FROM x\nCOPY . .\nCMD [\"run\"]\n")
    (tmp_path / ("main.go" if "ListenAndServe" in code else "app.js" if "listen(" in code
                 else "main.py")).write_text(code)
    assert propose(tmp_path, "rest-api", FACTS).settings.get("port") == port


def test_no_health_route_is_a_change_to_make(tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM x\nCMD [\"run\"]\n")
    (tmp_path / "main.py").write_text('@app.get("/items")\ndef items(): ...\n')
    [change] = propose(tmp_path, "rest-api", FACTS).changes
    assert change.startswith("no route /health")
    (tmp_path / "main.py").write_text('@app.get("/health")\ndef health(): ...\n')
    assert propose(tmp_path, "rest-api", FACTS).changes == []


def test_the_dockerfile_and_context_compose_builds_with(tmp_path):
    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy" / "api.Dockerfile").write_text("FROM x\nCOPY . .\nCMD [\"run\"]\n")
    (tmp_path / "Dockerfile").write_text("FROM x\nCMD [\"docs\"]\n")  # another image
    (tmp_path / "deploy" / "compose.yml").write_text(
        "services:\n  api:\n    build:\n      context: ..\n"
        "      dockerfile: deploy/api.Dockerfile\n")
    prop = propose(tmp_path)
    assert prop.settings == {"dockerfile": "deploy/api.Dockerfile", "context": "."}
    assert "deploy/compose.yml builds service 'api' from it" in prop.text()


def test_cli_output_carries_no_control_character_from_the_repo(tmp_path):
    from typer.testing import CliRunner

    from kata.cli.main import app

    (tmp_path / "Dockerfile").write_text("FROM x\nCMD [\"run\"]\n")
    (tmp_path / "\x1b[2Jevil\u202e.py").write_text('os.environ["TOKEN"]\n')
    done = CliRunner().invoke(app, ["doctor", str(tmp_path)])
    assert done.exit_code == 0, done.output
    assert "\x1b" not in done.output and "\u202e" not in done.output
    assert "\\x1b[2Jevil\\u202e.py:1" in done.output


def test_a_go_environment_read_is_not_said_to_have_a_default(tmp_path):
    """Go's os.Getenv returns "" when unset; whether the code then falls back is not on
    that line, so the proposal says the variable *may* have a default."""
    repo = tmp_path / "go-app"
    shutil.copytree(FIXTURES / "go-health", repo)
    main = repo / "main.go"
    main.write_text(main.read_text().replace('os.Getenv("PORT")',
                                             'os.Getenv("PORT") + os.Getenv("GREETING")'))
    text = propose(repo, "rest-api", FACTS).text()
    assert 'GREETING = ""  # read at main.go:13, may have a default' in text, text
