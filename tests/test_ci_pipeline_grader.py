"""The ci-pipeline grader's own parts, without Docker: workflows read as GitHub reads them
and bounded (YAML 1.2's `on`, alias bombs and recursive anchors refused), each finding
naming file:line and the line, and every policy rule passing a good workflow and failing a
bad one (monorepo build contexts, pull_request_target, secrets). kata verify and the
other-stack solution prove the same with the real engine."""

from __future__ import annotations

import textwrap
from pathlib import Path
from types import SimpleNamespace

import pytest
from _graders import grader_module

from kata.repofiles import RepoFiles

GRADER = Path(__file__).resolve().parents[1] / "graders" / "ci_pipeline"
REFERENCE = Path(__file__).resolve().parents[1] / "exercises" / "ci-pipeline" / "reference"


def _load(module: str):
    return grader_module("ci_pipeline", module)


wf_mod = _load("_workflow")
schema = _load("_schema")
ci_tests = _load("test_ci")
security = _load("test_security")

REFERENCE_CI = (REFERENCE / ".github" / "workflows" / "ci.yml").read_text()


def parse(text: str, path: str = ".github/workflows/ci.yml"):
    return wf_mod.parse(path, textwrap.dedent(text))


def fake_app(root: Path, context: str = "."):
    return SimpleNamespace(evidence={}, files=RepoFiles(root, context))


def test_on_is_a_key_and_a_date_stays_a_string_as_github_reads_them():
    wf = parse("""\
        on: [push, pull_request]
        env: {WHEN: 2024-01-01, YES: yes, T: true}
        jobs: {}
        """)
    assert wf.events() == {"push", "pull_request"}
    assert wf.data["env"] == {"WHEN": "2024-01-01", "YES": "yes", "T": True}


def test_an_alias_bomb_and_a_recursive_anchor_are_refused_not_expanded():
    rows = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    rows += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    with pytest.raises(wf_mod.WorkflowUnreadable, match="nodes once its aliases"):
        parse("\n".join(rows) + "\n")
    many = "a: &a x\nb: [" + ", ".join(["*a"] * (wf_mod.MAX_ALIASES + 1)) + "]\n"
    with pytest.raises(wf_mod.WorkflowUnreadable, match="aliases"):
        parse(many)
    with pytest.raises(wf_mod.WorkflowUnreadable, match="nodes"):
        parse("a: &a [*a]\n")
    with pytest.raises(wf_mod.WorkflowUnreadable, match="nested too deeply"):
        parse("[" * 5000 + "]" * 5000)


def test_unreadable_yaml_names_the_file_and_line():
    with pytest.raises(wf_mod.WorkflowUnreadable, match=r"ci.yml:3: not valid YAML"):
        parse("on: push\njobs:\n  a: b: c\n")
    with pytest.raises(wf_mod.WorkflowUnreadable, match="not valid YAML"):
        parse("on: push\n---\non: push\n")
    with pytest.raises(wf_mod.WorkflowUnreadable, match="not valid YAML"):
        parse("a: !!python/object:os.system x\n")


def test_the_reference_workflow_is_valid_and_a_typo_is_named_by_line():
    assert schema.errors(wf_mod.parse("ci.yml", REFERENCE_CI)) == []
    bad = wf_mod.parse("ci.yml", REFERENCE_CI.replace("  pull_request:\n", "  pull_requests:\n"))
    [finding] = schema.errors(bad)
    assert str(finding) == ("ci.yml:3: `on:` — Additional properties are not allowed "
                            "('pull_requests' was unexpected)")


def test_every_check_passes_the_reference(tmp_path):
    wf = wf_mod.parse(".github/workflows/ci.yml", REFERENCE_CI)
    app = fake_app(tmp_path)
    ci_tests.test_the_ci_workflow_runs_on_push_and_pull_request(app, wf)
    ci_tests.test_the_test_job_has_a_test_step(app, wf)
    ci_tests.test_there_is_a_lint_job(app, wf)
    ci_tests.test_dependencies_are_cached(app, wf)
    ci_tests.test_the_image_is_built_from_the_apps_folder(app, wf)
    security.test_third_party_actions_are_pinned_to_a_commit(app, [wf])
    security.test_permissions_are_declared_and_least_privilege(app, [wf])
    security.test_no_run_step_echoes_a_secret(app, [wf])
    security.test_pull_request_target_never_checks_out_the_pull_request(app, [wf])
    assert app.evidence == {}
    assert wf_mod.find_test_step(wf)[1]["run"] == "pytest -q"


@pytest.mark.parametrize(("ref", "pinned"), [
    ("actions/checkout@v4", True),  # GitHub's own: exempt
    ("github/codeql-action/init@v3", True),
    ("./.github/actions/setup", True),
    ("docker/build-push-action@263435318d21b8e681c14492fe198d362a7d2c83", True),
    ("docker/build-push-action@main", False),
    ("docker/build-push-action@v6.18.0", False),
    ("docker/build-push-action@26343531", False),  # a short SHA can collide
    ("docker/build-push-action", False),
    ("octo/wf/.github/workflows/build.yml@v1", False),
    ("docker://alpine:3.20", False),
    ("docker://alpine@sha256:" + "a" * 64, True),
])
def test_pinning(ref, pinned):
    assert (security.unpinned(ref) is None) is pinned


def test_an_unpinned_action_fails_with_its_file_line_and_line(tmp_path):
    wf = wf_mod.parse("ci.yml", REFERENCE_CI.replace(
        "docker/build-push-action@263435318d21b8e681c14492fe198d362a7d2c83 # v6.18.0",
        "docker/build-push-action@main"))
    app = fake_app(tmp_path)
    with pytest.raises(AssertionError) as failed:
        security.test_third_party_actions_are_pinned_to_a_commit(app, [wf])
    line = REFERENCE_CI.splitlines().index(
        "        uses: docker/build-push-action@263435318d21b8e681c14492fe198d362a7d2c83"
        " # v6.18.0") + 1
    assert str(failed.value).startswith(
        f"ci.yml:{line}: `uses: docker/build-push-action@main` — `@main` can be moved")
    assert app.evidence == {"file": f"ci.yml:{line}",
                            "line": "uses: docker/build-push-action@main"}


@pytest.mark.parametrize(("workflow", "wrong"), [
    ("permissions: {contents: read}\njobs: {test: {runs-on: x, steps: [{run: a}]}}", None),
    ("permissions: {}\njobs: {test: {runs-on: x, permissions: {contents: read}, steps: []}}",
     None),
    ("permissions: read-all\njobs: {img: {runs-on: x, permissions: {packages: write}}}", None),
    ("jobs: {test: {runs-on: x, steps: []}}", "no `permissions:`"),
    ("jobs: {a: {runs-on: x, permissions: {}}, b: {runs-on: x}}", "in job(s) b"),
    ("permissions: write-all\njobs: {}", "grants write-all"),
    ("permissions: {contents: write}\njobs: {}", "the top level grants contents"),
    ("permissions: {}\njobs: {img: {runs-on: x, permissions: write-all}}", "grants write-all"),
    ("permissions: {}\njobs: {lint: {runs-on: x, permissions: {checks: write}}}",
     "job `lint` grants write on checks"),
])
def test_permissions(workflow, wrong):
    found = security.permission_findings(parse("on: push\n" + workflow + "\n"))
    assert (found[0].what if found else None) == wrong or wrong in found[0].what


def test_a_monorepo_builds_the_exercises_folder_not_the_root(tmp_path):
    app = fake_app(tmp_path, context="ci-pipeline")
    good = [
        "- uses: docker/build-push-action@x\n  with: {context: ./ci-pipeline/}",
        "- run: docker build -t app:ci ci-pipeline",
        "- run: docker buildx build --file ci-pipeline/Dockerfile --load ./ci-pipeline",
        "- run: docker build -t app .\n  working-directory: ci-pipeline",
        "- run: |\n    set -e\n    docker build \\\n      -t app ci-pipeline",
        "- uses: docker/build-push-action@x\n  with: {context: '${{ env.APP_DIR }}'}",
    ]
    for step in good:
        wf = parse("jobs:\n  image:\n    steps:\n" + textwrap.indent(step, "      ") + "\n")
        ci_tests.test_the_image_is_built_from_the_apps_folder(app, wf)
    for step, said in [("- uses: docker/build-push-action@x", "builds the context '.'"),
                       ("- run: docker build -f ci-pipeline/Dockerfile .", "builds ., not"),
                       ("- run: echo no image", "no step builds the image")]:
        wf = parse("jobs:\n  image:\n    steps:\n" + textwrap.indent(step, "      ") + "\n")
        with pytest.raises(AssertionError, match=said):
            ci_tests.test_the_image_is_built_from_the_apps_folder(app, wf)


@pytest.mark.parametrize(("steps", "cached"), [
    ("- uses: actions/cache@v4", True),
    ("- uses: actions/setup-python@x\n  with: {cache: pip}", True),
    ("- uses: actions/setup-node@x\n  with: {node-version: 20}", False),
    ("- uses: actions/setup-go@x", True),  # caches by default
    ("- uses: actions/setup-go@x\n  with: {cache: false}", False),
    ("- run: pip install -r requirements.txt", False),
])
def test_caching(tmp_path, steps, cached):
    wf = parse("jobs:\n  test:\n    steps:\n" + textwrap.indent(steps, "      ") + "\n")
    app = fake_app(tmp_path)
    if cached:
        ci_tests.test_dependencies_are_cached(app, wf)
    else:
        with pytest.raises(AssertionError, match="no step caches"):
            ci_tests.test_dependencies_are_cached(app, wf)


def test_a_secret_echoed_in_a_multi_line_run_is_named_by_its_own_line(tmp_path):
    wf = parse("""\
        jobs:
          image:
            steps:
              - env: {TOKEN: "${{ secrets.TOKEN }}"}
                run: printf '%s' "$TOKEN" | docker login -u me --password-stdin
              - run: |
                  set -e
                  echo "${{ secrets.TOKEN }}" | docker login -u me --password-stdin
        """)
    app = fake_app(tmp_path)
    with pytest.raises(AssertionError,
                       match=r"^.github/workflows/ci.yml:8: `echo \"\$\{\{ secrets.TOKEN"):
        security.test_no_run_step_echoes_a_secret(app, [wf])


@pytest.mark.parametrize(("on", "step", "safe"), [
    ("pull_request_target", "uses: actions/checkout@v4", True),
    ("pull_request_target", "uses: actions/checkout@v4\n  with: {ref: '${{ github.event."
     "pull_request.head.sha }}'}", False),
    ("pull_request_target", "uses: actions/checkout@v4\n  with: {ref: '${{ github.head_ref }}'}",
     False),
    ("pull_request_target", "run: gh pr checkout ${{ github.event.number }}", False),
    ("pull_request_target", "run: git fetch origin ${{ github.event.pull_request.head.ref }}",
     False),
    ("pull_request", "uses: actions/checkout@v4\n  with: {ref: '${{ github.event."
     "pull_request.head.sha }}'}", True),  # its token is read-only for forks: fine
])
def test_pull_request_target(tmp_path, on, step, safe):
    wf = parse(f"on: {on}\njobs:\n  a:\n    steps:\n" + textwrap.indent("- " + step, "      ")
               + "\n")
    app = fake_app(tmp_path)
    if safe:
        security.test_pull_request_target_never_checks_out_the_pull_request(app, [wf])
    else:
        with pytest.raises(AssertionError, match="pull request's code"):
            security.test_pull_request_target_never_checks_out_the_pull_request(app, [wf])


def test_the_test_step_is_found_by_id_then_by_name():
    wf = parse("""\
        jobs:
          test:
            steps:
              - name: Install test deps
                uses: x/y@z
              - name: Run the tests
                run: pytest
              - id: test
                run: npm test
        """)
    assert wf_mod.find_test_step(wf)[1]["run"] == "npm test"
    wf = parse("jobs:\n  test:\n    steps:\n      - name: Unit tests\n        run: go test ./...\n")
    assert wf_mod.find_test_step(wf)[1]["run"] == "go test ./..."
    assert wf_mod.find_test_step(parse("jobs:\n  test:\n    steps:\n      - run: make\n")) is None


def test_workflows_are_found_at_the_root_and_only_there(tmp_path):
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / ".github" / "workflows" / "a.yml").write_text("on: push\njobs: {}\n")
    (tmp_path / ".github" / "workflows" / "b.yaml").write_text("on: push\njobs: {}\n")
    (tmp_path / ".github" / "workflows" / "c.yml").symlink_to("/etc/passwd")
    found = wf_mod.load_all(RepoFiles(tmp_path, "app"))
    assert [w.path for w in found] == [".github/workflows/a.yml", ".github/workflows/b.yaml"]
    with pytest.raises(AssertionError, match="no workflow"):
        wf_mod.load_all(RepoFiles(tmp_path / ".github", "."))


def test_the_vendored_schema_is_check_jsonschemas_copy():
    """The schema the grader validates with is the one kata's own workflow tests use."""
    from importlib.resources import files

    vendored = files("check_jsonschema.builtin_schemas.vendor") / "github-workflows.json"
    assert schema.SCHEMA_FILE.read_bytes() == vendored.read_bytes()


@pytest.mark.docker
@pytest.mark.slow
def test_a_monorepo_grade_reads_the_root_workflow_and_builds_the_exercises_folder(tmp_path):
    """Real engine: the workflow at the monorepo's root, the app in ci-pipeline/ (kata.toml
    names its Dockerfile), the test command run in that app's image; a build of the root
    loses image-build and nothing else."""
    import shutil

    from test_exercises import grade_folder

    shutil.copytree(REFERENCE, tmp_path / "ci-pipeline")
    shutil.move(tmp_path / "ci-pipeline" / ".github", tmp_path / ".github")
    (tmp_path / "kata.toml").write_text('dockerfile = "ci-pipeline/Dockerfile"\n')
    workflow = tmp_path / ".github" / "workflows" / "ci.yml"
    workflow.write_text(REFERENCE_CI.replace("context: .", "context: ./ci-pipeline")
                        .replace("run: pytest -q", "run: pytest -q\n"
                                 "        working-directory: ci-pipeline"))
    report = grade_folder("ci-pipeline", tmp_path)
    assert [r.id for r in report.requirements if r.status != "pass"] == []
    workflow.write_text(REFERENCE_CI)  # builds the repository root
    report = grade_folder("ci-pipeline", tmp_path)
    assert [r.id for r in report.requirements if r.status != "pass"] == ["image-build"]
    [failed] = [r for r in report.requirements if r.id == "image-build"]
    assert "`context: .` — builds the context '.', not the app's folder 'ci-pipeline'" in (
        failed.message)
