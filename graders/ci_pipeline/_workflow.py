"""The learner's workflows, read as GitHub reads them and bounded, for the ci-pipeline
grader tests. A workflow is untrusted YAML: it is parsed with a safe loader (no tags that
build objects), in YAML 1.2's words where GitHub's parser differs from PyYAML's 1.1 (`on:`
is a key, not the boolean true; a date stays a string), with at most MAX_ALIASES aliases
and MAX_NODES nodes once aliases are expanded (a "billion laughs" document is refused, not
walked), and nothing in it is ever run on kata's host. Every value keeps the line it came
from, so a failed check names `file:line` and shows that line."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from kata.repofiles import RepoFiles
from kata.testing import GradedApp
from kata.yamlsource import Located, Yaml12Loader, YamlRefused, documents, text

PATTERNS = (".github/workflows/*.yml", ".github/workflows/*.yaml")
MAX_ALIASES = 100
MAX_NODES = 20_000
MAX_WORKFLOWS = 20  # files read; with MAX_NODES, a hostile repo costs seconds, not minutes

# A workflow kata cannot read as YAML (or refuses to expand): the learner's failure.
WorkflowUnreadable = YamlRefused


@dataclass
class Workflow(Located):
    # --- where things are -------------------------------------------------------------
    def at(self, *path: Any) -> str:
        """`.github/workflows/ci.yml:12: uses: docker/build-push-action@main`"""
        line = self.line_of(*path)
        return f"{self.path}:{line}: {self.source(line)}"

    def find_line(self, fragment: str, *path: Any) -> int:
        """The first line at or after ``path``'s that contains ``fragment`` (a line of a
        block scalar such as a multi-line `run:`), else ``path``'s line."""
        start = self.line_of(*path)
        for n, row in enumerate(self.text.splitlines()[start - 1:], start):
            if fragment in row:
                return n
        return start

    # --- what it says -----------------------------------------------------------------
    def events(self) -> set[str]:
        on = self.data.get("on") if isinstance(self.data, dict) else None
        if isinstance(on, str):
            return {on}
        if isinstance(on, list):
            return {e for e in on if isinstance(e, str)}
        if isinstance(on, dict):
            return {e for e in on if isinstance(e, str)}
        return set()

    def jobs(self) -> dict[str, dict[str, Any]]:
        jobs = self.data.get("jobs") if isinstance(self.data, dict) else None
        if not isinstance(jobs, dict):
            return {}
        return {k: v for k, v in jobs.items() if isinstance(k, str) and isinstance(v, dict)}

    def steps(self, job_id: str) -> Iterator[tuple[int, dict[str, Any]]]:
        steps = self.jobs().get(job_id, {}).get("steps")
        if isinstance(steps, list):
            for i, step in enumerate(steps):
                if isinstance(step, dict):
                    yield i, step

    def all_steps(self) -> Iterator[tuple[str, int, dict[str, Any]]]:
        for job_id in self.jobs():
            for i, step in self.steps(job_id):
                yield job_id, i, step


@lru_cache(maxsize=MAX_WORKFLOWS)  # each grader test reads the workflows; parse them once
def parse(path: str, source: str) -> Workflow:
    """``source`` as a Workflow, read as GitHub reads it (YAML 1.2's booleans, dates kept
    as strings); WorkflowUnreadable (the learner's failure) when it is not one YAML
    document kata can read within its bounds."""
    try:
        docs = documents(path, source, max_nodes=MAX_NODES, max_aliases=MAX_ALIASES,
                         loader=Yaml12Loader)
    except YamlRefused as e:
        if "more than 1 YAML document" in str(e):  # GitHub reads one document per file
            raise WorkflowUnreadable(f"{path}: not valid YAML: expected a single document, "
                                     "found more (a `---` line)") from None
        raise
    if not docs:
        raise WorkflowUnreadable(f"{path} is empty")
    doc = docs[0]
    return Workflow(doc.path, doc.text, doc.data, doc.lines)


def load_all(files: RepoFiles) -> list[Workflow]:
    """Every workflow file of the repository, parsed (WorkflowUnreadable for the first
    that cannot be); AssertionError when there is none."""
    paths = sorted({p for pattern in PATTERNS for p in files.glob(pattern)})[:MAX_WORKFLOWS]
    if not paths:
        raise AssertionError("no workflow: kata found no .github/workflows/*.yml (or .yaml) "
                             "at the repository root")
    found = []
    for path in paths:
        source = files.read(path)
        if source is not None:
            found.append(parse(path, source))
    return found


def ci_workflow(workflows: list[Workflow]) -> Workflow:
    """The CI workflow: the first (in path order) with a job whose id is `test`."""
    for wf in workflows:
        if "test" in wf.jobs():
            return wf
    names = ", ".join(f"{wf.path} ({', '.join(wf.jobs()) or 'no jobs'})" for wf in workflows)
    raise AssertionError(f"no workflow has a job named `test`: {names}")


@dataclass(frozen=True)
class Finding:
    """A line of a workflow that breaks a rule, and what is wrong with it."""

    wf: Workflow
    line: int
    what: str

    @classmethod
    def at(cls, wf: Workflow, path: tuple[Any, ...], what: str) -> Finding:
        return cls(wf, wf.line_of(*path), what)

    def __str__(self) -> str:
        return f"{self.wf.path}:{self.line}: `{self.wf.source(self.line).strip()}` — {self.what}"


def judge(app: GradedApp, findings: list[Finding]) -> None:
    """Fail with the first finding (file:line, the line, what is wrong) as the message and
    the evidence, and the count of the others; pass when there is none."""
    if not findings:
        return
    first = findings[0]
    app.evidence = {"file": f"{first.wf.path}:{first.line}",
                    "line": first.wf.source(first.line)}
    more = f" (and {len(findings) - 1} more)" if len(findings) > 1 else ""
    raise AssertionError(f"{first}{more}")


def find_test_step(wf: Workflow) -> tuple[int, dict[str, Any]] | None:
    """The step of job `test` that runs the tests: the one with `id: test` and a `run:`,
    else the first with a `run:` whose name has the word test in it."""
    steps = [(i, s) for i, s in wf.steps("test") if isinstance(s.get("run"), str)]
    for i, s in steps:
        if text(s.get("id")) == "test":
            return i, s
    for i, s in steps:
        if re.search(r"test", text(s.get("name")), re.I):
            return i, s
    return None
