"""What the CI workflow (the one with the job `test`) does: triggers, jobs, caching, and
building the image from the app's folder."""

from __future__ import annotations

import posixpath
import re
import shlex
from typing import Any

from kata.testing import GradedApp, requirement

from ._workflow import Finding, Workflow, find_test_step, judge, text

# actions/setup-* that cache when their `cache` input names a package manager; setup-go
# caches unless told `cache: false` (v4 on).
SETUP_CACHING = re.compile(r"^actions/setup-(python|node|java|dotnet|ruby)$", re.I)
SETUP_GO = re.compile(r"^actions/setup-go$", re.I)
CACHE = re.compile(r"^actions/cache(/restore)?$", re.I)
BUILD_PUSH = re.compile(r"^docker/build-push-action$", re.I)
DOCKER_BUILD = re.compile(r"\bdocker\s+(?:buildx\s+build|image\s+build|build)\b(.*)")
# options of `docker build` that take a value as the next word
BUILD_OPTIONS = {"-t", "--tag", "-f", "--file", "--build-arg", "--target", "--platform",
                 "--label", "--cache-from", "--cache-to", "--secret", "--ssh", "--network",
                 "--progress", "-o", "--output", "--iidfile", "--build-context", "--add-host",
                 "--shm-size", "--ulimit", "--metadata-file", "--builder", "--attest",
                 "--annotation", "--allow", "--call", "--cgroup-parent", "--isolation",
                 "--memory", "-m", "--cpu-shares", "--quiet-file"}


def action(uses: Any) -> str:
    """`owner/repo[/path]` of a `uses:` (what comes before @)."""
    return text(uses).partition("@")[0].strip()


@requirement("triggers")
def test_the_ci_workflow_runs_on_push_and_pull_request(app: GradedApp, ci: Workflow) -> None:
    missing = sorted({"push", "pull_request"} - ci.events())
    judge(app, [Finding.at(ci, ("on",), f"the CI workflow does not run on {' or '.join(missing)}"
                           f" (it runs on {', '.join(sorted(ci.events())) or 'nothing'})")]
          if missing else [])


@requirement("jobs", basic=True)  # what tests-in-image needs: the test command
def test_the_test_job_has_a_test_step(app: GradedApp, ci: Workflow) -> None:
    if find_test_step(ci) is None:
        judge(app, [Finding.at(ci, ("jobs", "test"), "job `test` has no step with `id: test` "
                               "(or a name with the word test) and a `run:` to run the tests")])


@requirement("jobs")
def test_there_is_a_lint_job(app: GradedApp, ci: Workflow) -> None:
    lint = ci.jobs().get("lint")
    if lint is None:
        judge(app, [Finding.at(ci, ("jobs",), "the CI workflow has no job named `lint` (jobs: "
                               f"{', '.join(ci.jobs())})")])
    elif not list(ci.steps("lint")) and not lint.get("uses"):
        judge(app, [Finding.at(ci, ("jobs", "lint"), "job `lint` has no steps")])


@requirement("caching")
def test_dependencies_are_cached(app: GradedApp, ci: Workflow) -> None:
    for _job, _i, step in ci.all_steps():
        name = action(step.get("uses"))
        with_ = step.get("with") if isinstance(step.get("with"), dict) else {}
        if CACHE.match(name):
            return
        if SETUP_CACHING.match(name) and text(with_.get("cache")).strip():
            return
        if SETUP_GO.match(name) and text(with_.get("cache")).strip() != "false":
            return
    judge(app, [Finding.at(ci, ("jobs",), "no step caches dependencies: use actions/cache or "
                           "the `cache:` input of an actions/setup-* action")])


def _same_folder(named: str, context: str) -> bool:
    """Whether a build context named in the workflow is the app's folder (both relative to
    the repository root); an expression (${{ … }}) is taken as meant."""
    if "${{" in named:
        return True
    return posixpath.normpath(named.strip() or ".") == posixpath.normpath(context)


def _run_contexts(command: str, workdir: str) -> list[str] | None:
    """The words after `docker build` that could be its context, relative to the root;
    None when the line does not build an image."""
    m = DOCKER_BUILD.search(command)
    if m is None:
        return None
    try:
        words = shlex.split(m[1].split("&&")[0].split(";")[0].split("|")[0], comments=True)
    except ValueError:
        words = m[1].split()
    found, skip = [], False
    for word in words:
        if skip:
            skip = False
        elif word.startswith("-"):
            skip = word in BUILD_OPTIONS
        elif word != "\\":
            found.append(posixpath.normpath(posixpath.join(workdir, word)))
    return found


@requirement("image-build")
def test_the_image_is_built_from_the_apps_folder(app: GradedApp, ci: Workflow) -> None:
    context = app.files.context if app.files is not None else "."
    wrong: list[Finding] = []
    for job_id, i, step in ci.all_steps():
        where = ("jobs", job_id, "steps", i)
        if BUILD_PUSH.match(action(step.get("uses"))):
            with_ = step.get("with") if isinstance(step.get("with"), dict) else {}
            named = text(with_.get("context")) or "."
            if _same_folder(named, context):
                return
            wrong.append(Finding.at(ci, (*where, "with", "context") if "context" in with_
                                    else where, f"builds the context {named!r}, not the app's "
                                    f"folder {context!r}"))
        run = step.get("run")
        if isinstance(run, str):
            job = ci.jobs()[job_id]
            defaults = job.get("defaults") if isinstance(job.get("defaults"), dict) else {}
            run_defaults = defaults.get("run") if isinstance(defaults.get("run"), dict) else {}
            workdir = text(step.get("working-directory")) or text(
                run_defaults.get("working-directory")) or "."
            for line in re.sub(r"\\\n\s*", " ", run).splitlines():  # continuations joined
                named_all = _run_contexts(line, workdir)
                if named_all is None:
                    continue
                if any(_same_folder(n, context) for n in named_all):
                    return
                first = line.strip()[:40]  # the start of its first physical line
                wrong.append(Finding(ci, ci.find_line(first, *where, "run"),
                                     f"builds {' '.join(named_all) or 'no context'}, not the "
                                     f"app's folder {context!r}"))
    judge(app, wrong or [Finding.at(ci, ("jobs",), "no step builds the image: use "
                                    "docker/build-push-action or `docker build` in a run step")])
