"""Rules every workflow keeps: actions pinned to commits, least-privilege permissions, no
secret echoed, and no pull request code checked out under pull_request_target."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from kata.testing import GradedApp, requirement

from ._workflow import Finding, Workflow, judge, text

SHA = re.compile(r"^[0-9a-f]{40}$")
DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")
GITHUBS_OWN = ("actions/", "github/")  # GitHub's own actions: exempt (see the spec)
SECRET = re.compile(r"\$\{\{\s*secrets\.", re.I)
PRINTS = re.compile(r"(?<![\w-])(echo|printf)(?![\w-])")
PR_HEAD = re.compile(r"github\.event\.pull_request\.head\.(sha|ref)|github\.head_ref", re.I)
CHECKOUT_RUN = re.compile(r"\bgh\s+pr\s+checkout\b|\bgit\s+(checkout|fetch|switch|pull)\b")


def _uses(wf: Workflow) -> Iterator[tuple[tuple[Any, ...], str]]:
    """Every `uses:` (a job's reusable workflow or a step's action), with its path."""
    for job_id, job in wf.jobs().items():
        if "uses" in job:
            yield ("jobs", job_id, "uses"), text(job["uses"])
    for job_id, i, step in wf.all_steps():
        if "uses" in step:
            yield ("jobs", job_id, "steps", i, "uses"), text(step["uses"])


def unpinned(ref: str) -> str | None:
    """Why ``ref`` (a `uses:`) is not pinned, or None when it is (or need not be)."""
    ref = ref.strip()
    if ref.startswith("./"):
        return None  # in this repository, at this commit
    if ref.startswith("docker://"):
        return None if DIGEST.search(ref) else "pin the image by digest (@sha256:…)"
    name, at, version = ref.partition("@")
    if name.lower().startswith(GITHUBS_OWN):
        return None
    if not at:
        return "no version: pin it to a full 40-hex commit SHA"
    if SHA.match(version):
        return None
    return f"`@{version}` can be moved: pin it to a full 40-hex commit SHA"


@requirement("pinned-actions")
def test_third_party_actions_are_pinned_to_a_commit(app: GradedApp,
                                                    workflows: list[Workflow]) -> None:
    judge(app, [Finding.at(wf, path, why) for wf in workflows for path, ref in _uses(wf)
                if (why := unpinned(ref)) is not None])


def _writes(perms: Any) -> list[str]:
    """The scopes ``perms`` (a `permissions:` value) grants write on."""
    if text(perms) == "write-all":
        return ["write-all"]
    if isinstance(perms, dict):
        return [str(k) for k, v in perms.items() if text(v) == "write"]
    return []


def permission_findings(wf: Workflow) -> list[Finding]:
    found = []
    data = wf.data if isinstance(wf.data, dict) else {}
    top = data.get("permissions")
    jobs = wf.jobs()
    if "permissions" not in data:
        bare = [j for j, job in jobs.items() if "permissions" not in job]
        if bare:
            found.append(Finding.at(wf, ("jobs", bare[0]), "no `permissions:` at the top of "
                                    f"the workflow nor in job(s) {', '.join(bare)}: the token "
                                    "gets the repository's default, often write-all"))
    elif top_writes := _writes(top):
        found.append(Finding.at(wf, ("permissions",), "the top level grants "
                                f"{', '.join(top_writes)} to every job: grant read at the top "
                                "and write only in the job that needs it"))
    for job_id, job in jobs.items():
        writes = _writes(job.get("permissions"))
        if "write-all" in writes:
            found.append(Finding.at(wf, ("jobs", job_id, "permissions"),
                                    f"job `{job_id}` grants write-all"))
        elif writes and job_id in ("test", "lint"):
            found.append(Finding.at(wf, ("jobs", job_id, "permissions"),
                                    f"job `{job_id}` grants write on {', '.join(writes)}; "
                                    "testing and linting need only read"))
    return sorted(found, key=lambda f: f.line)


@requirement("permissions")
def test_permissions_are_declared_and_least_privilege(app: GradedApp,
                                                      workflows: list[Workflow]) -> None:
    judge(app, [f for wf in workflows for f in permission_findings(wf)])


@requirement("no-secret-echo")
def test_no_run_step_echoes_a_secret(app: GradedApp, workflows: list[Workflow]) -> None:
    found = []
    for wf in workflows:
        for job_id, i, step in wf.all_steps():
            run = step.get("run")
            for line in run.splitlines() if isinstance(run, str) else []:
                if SECRET.search(line) and PRINTS.search(line):
                    at = wf.find_line(line.strip(), "jobs", job_id, "steps", i, "run")
                    found.append(Finding(wf, at, "a run step prints a secret: the log, or "
                                                 "whatever reads its output, gets it"))
    judge(app, found)


@requirement("pr-target-safe")
def test_pull_request_target_never_checks_out_the_pull_request(
        app: GradedApp, workflows: list[Workflow]) -> None:
    found = []
    why = ("under pull_request_target the job has the base repository's token and secrets: "
           "checking out the pull request's code runs it with them")
    for wf in (w for w in workflows if "pull_request_target" in w.events()):
        for job_id, i, step in wf.all_steps():
            where = ("jobs", job_id, "steps", i)
            with_ = step.get("with") if isinstance(step.get("with"), dict) else {}
            if text(step.get("uses")).lower().startswith("actions/checkout"):
                for key in ("ref", "repository"):
                    if PR_HEAD.search(text(with_.get(key))):
                        found.append(Finding.at(wf, (*where, "with", key), why))
            run = step.get("run")
            for line in run.splitlines() if isinstance(run, str) else []:
                if CHECKOUT_RUN.search(line) and (PR_HEAD.search(line) or "gh pr" in line
                                                  or "refs/pull/" in line):
                    found.append(Finding(wf, wf.find_line(line.strip(), *where, "run"), why))
    judge(app, found)
