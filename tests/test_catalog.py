"""Every exercise folder loads, and its requirement ids match the graders' markers."""

import ast
from pathlib import Path

import pytest

from kata.catalog import load_catalog, load_exercise
from kata.errors import ExerciseInvalid, UsageError
from kata.mutants import load_mutants
from kata.stages import STAGES


def _markers(grader_dir: Path) -> dict[str, list[str]]:
    """requirement id -> test names, read statically from @requirement("id") decorators."""
    found: dict[str, list[str]] = {}
    for path in sorted(grader_dir.glob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef):
                for dec in node.decorator_list:
                    if (isinstance(dec, ast.Call) and dec.args
                            and isinstance(dec.args[0], ast.Constant)
                            and "requirement" in ast.unparse(dec.func)):
                        found.setdefault(dec.args[0].value, []).append(node.name)
    return found


def test_catalog_loads(root):
    catalog = load_catalog(root)
    assert "rest-api" in catalog.exercises


@pytest.mark.parametrize("exercise_id", sorted(load_catalog().exercises))
def test_exercise_is_consistent(exercise_id):
    catalog = load_catalog()
    ex = catalog.get(exercise_id)
    assert ex.spec_path.is_file(), f"{exercise_id}: spec.md missing"
    ref = ex.reference_path
    if ex.app.kind == "document":  # nothing is built: the reference is the document
        assert list(ref.glob("*.md")), f"{exercise_id}: the reference has no Markdown file"
    else:
        assert (ref / "Dockerfile").is_file() or (ref / "dockerfile").is_file()
    for r in ex.requirements:
        assert r.grader in STAGES, f"{exercise_id}.{r.id}: unknown grader {r.grader}"
    markers = _markers(catalog.grader_dir(ex))
    contract_ids = {r.id for r in ex.requirements if r.grader == "contract"}
    assert contract_ids <= set(markers), f"no tests for {contract_ids - set(markers)}"
    assert set(markers) <= contract_ids, f"tests mark unknown ids {set(markers) - contract_ids}"
    # the contract stage drops a test with no requirement: it would silently never run
    marked = {name for names in markers.values() for name in names}
    tests = {node.name for path in catalog.grader_dir(ex).glob("test_*.py")
             for node in ast.walk(ast.parse(path.read_text()))
             if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")}
    assert tests <= marked, f"tests with no @requirement: {sorted(tests - marked)}"
    mutants = load_mutants(ex)
    assert mutants, f"{exercise_id} has no mutants"
    # The files the graders' options name (their keys and values were checked on load).
    graders = {r.grader for r in ex.requirements}
    if "schema" in graders:
        assert (ex.root / ex.graders.schema_.contract).is_file(), "[graders.schema] contract"
    if "load" in graders:
        locustfile = catalog.grader_dir(ex) / ex.graders.load.locustfile
        assert locustfile.is_file(), "[graders.load] locustfile"


def test_malformed_exercise_names_file_and_field(tmp_path):
    folder = tmp_path / "bad-one"
    folder.mkdir()
    (folder / "exercise.toml").write_text(
        'id = "bad-one"\nversion = "1"\nweek = 1\ntitle = "t"\npass_mark = 150\n'
        '[[requirements]]\nid = "a"\ntitle = "A"\npoints = 1\ngrader = "contract"\n'
    )
    with pytest.raises(ExerciseInvalid) as e:
        load_exercise(folder)
    assert "exercise.toml" in e.value.message and "pass_mark" in e.value.message


def test_invalid_toml_is_a_clear_error(tmp_path):
    folder = tmp_path / "x"
    folder.mkdir()
    (folder / "exercise.toml").write_text("id = ")
    with pytest.raises(ExerciseInvalid, match="not valid TOML"):
        load_exercise(folder)


def test_week_alias_and_pairs(root):
    catalog = load_catalog(root)
    assert [e.id for e in catalog.resolve("week1")] and all(
        e.week == 1 for e in catalog.resolve("week1"))
    with pytest.raises(UsageError):
        catalog.resolve("nope")


def test_runtime_contract_follows_the_app_kind(root):
    from kata.catalog import runtime_contract

    catalog = load_catalog(root)
    server = runtime_contract(catalog.get("rest-api"))
    assert "`$PORT`" in server and "DATABASE_URL" in server and "`db`, `postgres`" in server
    # the URL is the contract; the separate names real learner repos read are on one line
    assert "- `DATABASE_URL` = `postgresql://kata:kata@db:5432/kata` (postgres:15)" in server
    assert "separate settings: `POSTGRES_HOST=db`" in server and "`DB_NAME=kata`" in server
    cli = runtime_contract(catalog.get("todo-cli"))
    assert "Be a command" in cli and "$PORT" not in cli and "`/data`" in cli


BAD_GRADER_CONFIG = [
    # (what exercise.toml adds, words the error must contain)
    ('[graders.schema]\nchecks = ["not_a_check"]\n', "graders.schema.checks.0"),
    ("[graders.schema]\nmax_examples = 0\n", "graders.schema.max_examples"),
    ("[graders.load]\nusers = 0\n", "graders.load.users"),
    ("[graders.load]\nduration = 6\n", "graders.load.duration"),
    ("[graders.bogus]\nx = 1\n", "graders.bogus"),
    ("[requirements.thresholds]\nmax_boot_sec = 5\n", "(grader boot): thresholds: max_boot_sec"),
]
BAD_THRESHOLDS = [
    # (grader, thresholds, words the error must contain)
    ("load", "{ p95ms = { max = 100 } }", "unknown keys ['p95ms']"),
    ("load", "{ rps = { max = 100 } }", "rps: higher is better"),
    ("load", "{ p95_ms = { max = { plus = 5 } } }", "p95_ms.max: needs `ref`"),
    ("schema", '{ checks = ["nope"] }', "thresholds: checks.0"),
]
_BASE = 'id = "bad-one"\nversion = "1"\nweek = 1\ntitle = "t"\npass_mark = 50\n'


def _load_bad(tmp_path, text):
    folder = tmp_path / "bad-one"
    folder.mkdir()
    (folder / "exercise.toml").write_text(text)
    with pytest.raises(ExerciseInvalid) as e:
        load_exercise(folder)
    return e.value


@pytest.mark.parametrize("extra,words", BAD_GRADER_CONFIG)
def test_grader_options_and_thresholds_are_checked_on_load(tmp_path, root, extra, words):
    """Found when the catalog loads (any kata command, the consistency test), not when a
    grade reaches the grader; the fix names a page that exists."""
    grader = "boot" if "requirements" in extra else "contract"
    text = (_BASE + f'[[requirements]]\nid = "r"\ntitle = "R"\npoints = 1\ngrader = "{grader}"\n'
            + extra)
    error = _load_bad(tmp_path, text)
    assert "exercise.toml" in error.message and words in error.message, error.message
    page = error.fix.rsplit(" ", 1)[-1]
    assert (root / page).is_file(), error.fix


@pytest.mark.parametrize("grader,thresholds,words", BAD_THRESHOLDS)
def test_thresholds_are_checked_by_their_grader(tmp_path, grader, thresholds, words):
    text = (_BASE + f'[[requirements]]\nid = "r"\ntitle = "R"\npoints = 1\ngrader = "{grader}"\n'
            f"thresholds = {thresholds}\n")
    error = _load_bad(tmp_path, text)
    assert f"requirement 'r' (grader {grader}): thresholds" in error.message, error.message
    assert words in error.message, error.message


def test_contract_thresholds_belong_to_the_exercise_tests(tmp_path):
    folder = tmp_path / "ok-one"
    folder.mkdir()
    (folder / "exercise.toml").write_text(
        _BASE.replace("bad-one", "ok-one") + '[[requirements]]\nid = "r"\ntitle = "R"\n'
        'points = 1\ngrader = "contract"\nthresholds = { anything = [1, "two"] }\n')
    assert load_exercise(folder).requirements[0].thresholds == {"anything": [1, "two"]}


def test_the_format_page_names_every_key(root):
    from kata.catalog import graders, models

    page = (root / "docs" / "exercise-format.md").read_text()
    for model in (models.Exercise, graders.SchemaOptions, graders.AuthStep,
                  graders.LoadOptions, graders.BootThresholds, graders.SchemaThresholds):
        for name, field in model.model_fields.items():
            if name == "root":  # filled in by the loader
                continue
            key = field.alias or name
            assert f"`{key}`" in page, f"docs/exercise-format.md: {model.__name__}.{key}"


def test_service_files_must_exist_and_stay_inside_the_exercise(tmp_path):
    from kata.catalog.loader import load_exercise
    from kata.errors import ExerciseInvalid

    folder = tmp_path / "svc-files"
    folder.mkdir()
    base = (folder.parent / "x").as_posix()
    toml = '''id = "svc-files"
version = "1.0.0"
week = 1
title = "t"
pass_mark = 50
[services.db]
image = "postgres:15"
ready = ["true"]
files = {{ "/docker-entrypoint-initdb.d" = "{source}" }}
[[requirements]]
id = "boot"
title = "boots"
points = 1
grader = "boot"
'''
    for source, problem in [("db-init", "is not in svc-files/"),
                            ("../x", "a path inside the exercise folder"),
                            (base, "a path inside the exercise folder")]:
        (folder / "exercise.toml").write_text(toml.format(source=source))
        with pytest.raises(ExerciseInvalid, match=problem):
            load_exercise(folder)
    (folder / "db-init").mkdir()
    (folder / "exercise.toml").write_text(toml.format(source="db-init"))
    assert load_exercise(folder).services["db"].files == {
        "/docker-entrypoint-initdb.d": "db-init"}


def test_the_runtime_contract_says_how_kata_runs_an_image_in_the_exercises_words():
    """ci-pipeline runs a workflow's test command with the ENTRYPOINT replaced: the usual
    CLI sentence ("make your program the ENTRYPOINT") would mislead its learners."""
    from kata.catalog.contract import runtime_contract

    catalog = load_catalog()
    ci = runtime_contract(catalog.get("ci-pipeline"))
    assert "replacing your ENTRYPOINT" in ci and "make your program the ENTRYPOINT" not in ci
    assert "make your program the ENTRYPOINT" in runtime_contract(catalog.get("todo-cli"))
