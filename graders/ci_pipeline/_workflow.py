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
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import yaml

from kata.repofiles import RepoFiles
from kata.testing import GradedApp, trim

PATTERNS = (".github/workflows/*.yml", ".github/workflows/*.yaml")
MAX_ALIASES = 100
MAX_NODES = 20_000
MAX_WORKFLOWS = 20  # files read; with MAX_NODES, a hostile repo costs seconds, not minutes

Path = tuple[Any, ...]  # keys and indexes from the document's root to a value


class WorkflowUnreadable(AssertionError):
    """A workflow kata cannot read as YAML (or refuses to expand): the learner's failure."""


class _TooManyAliases(Exception):
    pass


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2's booleans and no timestamps, counting aliases."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.aliases = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                raise _TooManyAliases
        return super().compose_node(parent, index)


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers
            if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"))


@dataclass
class Workflow:
    path: str  # relative to the repository root
    text: str
    data: Any
    lines: dict[Path, int] = field(default_factory=dict)  # a value's key (or item): line

    # --- where things are -------------------------------------------------------------
    def line_of(self, *path: Any) -> int:
        """The 1-based line of the value at ``path`` (its key's line), or of its nearest
        ancestor kata knows."""
        p: Path = tuple(path)
        while p and p not in self.lines:
            p = p[:-1]
        return self.lines.get(p, 1)

    def source(self, line: int) -> str:
        rows = self.text.splitlines()
        return trim(rows[line - 1], 200) if 0 < line <= len(rows) else ""

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


def text(value: Any) -> str:
    """A scalar as the string GitHub would see; '' for anything else."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value) if isinstance(value, (str, int, float)) else ""


@lru_cache(maxsize=MAX_WORKFLOWS)  # each grader test reads the workflows; parse them once
def parse(path: str, source: str) -> Workflow:
    """``source`` as a Workflow; WorkflowUnreadable (the learner's failure) when it is not
    one YAML document kata can read within its bounds."""
    loader = _Loader(source)
    try:
        node = loader.get_single_node()
        if node is None:
            raise WorkflowUnreadable(f"{path} is empty")
        _bounded(node, path)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f"{path}:{mark.line + 1}" if mark else path
        raise WorkflowUnreadable(f"{where}: not valid YAML: {e.problem or e.context}") from None
    except yaml.YAMLError as e:
        raise WorkflowUnreadable(f"{path}: not valid YAML: {trim(str(e), 200)}") from None
    except _TooManyAliases:
        raise WorkflowUnreadable(f"{path}: more than {MAX_ALIASES} YAML aliases (*name): "
                                 "kata does not expand that many") from None
    except RecursionError:
        raise WorkflowUnreadable(f"{path}: nested too deeply for kata to read") from None
    finally:
        loader.dispose()
    return Workflow(path, source, data, _lines(node))


def _bounded(root: yaml.Node, path: str) -> None:
    """Refuse a document whose nodes, aliases expanded, are more than MAX_NODES."""
    seen, stack = 0, [root]
    while stack:
        node = stack.pop()
        seen += 1
        if seen > MAX_NODES:
            raise WorkflowUnreadable(f"{path}: more than {MAX_NODES} YAML nodes once its "
                                     "aliases are expanded: kata refuses to read it")
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack += [key, value]
        elif isinstance(node, yaml.SequenceNode):
            stack += node.value


def _lines(root: yaml.Node) -> dict[Path, int]:
    lines: dict[Path, int] = {(): root.start_mark.line + 1}
    stack: list[tuple[yaml.Node, Path]] = [(root, ())]
    while stack:  # bounded: _bounded counted these nodes already
        node, at = stack.pop()
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode):
                    lines.setdefault((*at, key.value), key.start_mark.line + 1)
                    stack.append((value, (*at, key.value)))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                lines.setdefault((*at, i), item.start_mark.line + 1)
                stack.append((item, (*at, i)))
    return lines


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
