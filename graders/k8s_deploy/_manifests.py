"""The learner's Kubernetes manifests, read as the API server would get them and bounded,
for the k8s-deploy grader tests. A manifest is untrusted YAML: it is parsed with a safe
loader (no tags that build objects), with at most MAX_ALIASES aliases and MAX_NODES nodes
per file once aliases are expanded, at most MAX_FILES files of at most 1 MB each
(``app.files``) and MAX_DOCS documents; nothing in it is applied anywhere. Every value
keeps the line it came from, so a failed check names the object, the field, `file:line`,
and shows that line."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import yaml

from kata.repofiles import RepoFiles
from kata.testing import GradedApp, trim

PATTERNS = ("k8s/**/*.yaml", "k8s/**/*.yml")  # beside the Dockerfile (a monorepo's folder)
MAX_FILES = 50
MAX_DOCS = 200
MAX_ALIASES = 100
MAX_NODES = 50_000

Path = tuple[Any, ...]  # keys and indexes from a document's root to a value


class ManifestUnreadable(AssertionError):
    """A manifest kata cannot read as YAML (or refuses to expand): the learner's failure."""


class _TooManyAliases(Exception):
    pass


class _Loader(yaml.SafeLoader):
    """SafeLoader counting aliases across the file's documents."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.aliases = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                raise _TooManyAliases
        return super().compose_node(parent, index)


@dataclass
class Doc:
    """One YAML document of a manifest file: a Kubernetes object (or not)."""

    path: str  # relative to the repository root
    index: int  # 0-based, among the file's documents
    text: str  # the whole file's text
    data: Any
    lines: dict[Path, int] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return text(self.data.get("kind")) if isinstance(self.data, dict) else ""

    @property
    def name(self) -> str:
        meta = self.data.get("metadata") if isinstance(self.data, dict) else None
        return text(meta.get("name")) if isinstance(meta, dict) else ""

    @property
    def ref(self) -> str:
        """`Deployment/hello`: the object as the failure names it."""
        return f"{self.kind or '(no kind)'}/{self.name or '(no name)'}"

    def get(self, *path: Any) -> Any:
        """The value at ``path`` (keys and indexes), None where it is missing."""
        value = self.data
        for key in path:
            if isinstance(value, dict) and isinstance(key, str):
                value = value.get(key)
            elif isinstance(value, list) and isinstance(key, int) and 0 <= key < len(value):
                value = value[key]
            else:
                return None
        return value

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


def text(value: Any) -> str:
    """A scalar as a string; '' for anything else (a mapping, a list, null)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value) if isinstance(value, (str, int, float)) else ""


def dotted(path: Path) -> str:
    """("spec", "template", "containers", 0, "image") -> `spec.template.containers[0].image`"""
    out = ""
    for key in path:
        out += f"[{key}]" if isinstance(key, int) else (f".{key}" if out else str(key))
    return out


@lru_cache(maxsize=MAX_FILES)  # each grader test reads the manifests; parse them once
def parse(path: str, source: str) -> tuple[Doc, ...]:
    """The documents of ``source`` (empty ones left out); ManifestUnreadable (the learner's
    failure) when it is not YAML kata can read within its bounds."""
    loader = _Loader(source)
    docs: list[Doc] = []
    nodes = 0
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            nodes += _count(node, path, MAX_NODES - nodes)
            data = loader.construct_document(node)
            if data is None:  # an empty document (`---` twice, a file of comments)
                continue
            docs.append(Doc(path, len(docs), source, data, _lines(node)))
            if len(docs) > MAX_DOCS:
                raise ManifestUnreadable(f"{path}: more than {MAX_DOCS} documents")
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f"{path}:{mark.line + 1}" if mark else path
        raise ManifestUnreadable(f"{where}: not valid YAML: {e.problem or e.context}") from None
    except yaml.YAMLError as e:
        raise ManifestUnreadable(f"{path}: not valid YAML: {trim(str(e), 200)}") from None
    except _TooManyAliases:
        raise ManifestUnreadable(f"{path}: more than {MAX_ALIASES} YAML aliases (*name): "
                                 "kata does not expand that many") from None
    except RecursionError:
        raise ManifestUnreadable(f"{path}: nested too deeply for kata to read") from None
    finally:
        loader.dispose()
    return tuple(docs)


def _count(root: yaml.Node, path: str, allowed: int) -> int:
    """The nodes of a document, aliases expanded; ManifestUnreadable past ``allowed``."""
    seen, stack = 0, [root]
    while stack:
        node = stack.pop()
        seen += 1
        if seen > allowed:
            raise ManifestUnreadable(f"{path}: more than {MAX_NODES} YAML nodes once its "
                                     "aliases are expanded: kata refuses to read it")
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack += [key, value]
        elif isinstance(node, yaml.SequenceNode):
            stack += node.value
    return seen


def _lines(root: yaml.Node) -> dict[Path, int]:
    lines: dict[Path, int] = {(): root.start_mark.line + 1}
    stack: list[tuple[yaml.Node, Path]] = [(root, ())]
    while stack:  # bounded: _count counted these nodes already
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


def load_all(files: RepoFiles) -> list[Doc]:
    """Every document of every manifest under k8s/, in path order; ManifestUnreadable for
    the first file that cannot be read, AssertionError when there is no document."""
    base = files.context.strip("/")
    prefix = "" if base in ("", ".") else base + "/"
    paths = sorted({p for pattern in PATTERNS for p in files.glob(prefix + pattern)})
    if len(paths) > MAX_FILES:
        raise ManifestUnreadable(f"k8s/ holds {len(paths)} YAML files: kata reads at most "
                                 f"{MAX_FILES}")
    docs: list[Doc] = []
    for path in paths:
        source = files.read(path)
        if source is not None:
            docs.extend(parse(path, source))
        if len(docs) > MAX_DOCS:
            raise ManifestUnreadable(f"k8s/ holds more than {MAX_DOCS} documents")
    if not docs:
        raise AssertionError("no manifest: kata found no YAML document in k8s/*.yaml "
                             "(or .yml, in k8s/ or a folder under it)")
    return docs


def of_kind(docs: list[Doc], kind: str) -> list[Doc]:
    return [d for d in docs if d.kind == kind]


def deployments(docs: list[Doc]) -> list[Doc]:
    """The Deployments; AssertionError when there is none (every policy is about one)."""
    found = of_kind(docs, "Deployment")
    if not found:
        kinds = ", ".join(sorted({d.ref for d in docs})) or "none"
        raise AssertionError(f"no Deployment in k8s/ (found: {trim(kinds, 200)})")
    return found


POD = ("spec", "template", "spec")
PROBES = ("readinessProbe", "livenessProbe")


def containers(dep: Doc, init: bool = False) -> Iterator[tuple[Path, dict[str, Any]]]:
    """(path, container) of each container of the Deployment's pod template (and of its
    initContainers when ``init``)."""
    for group in ("containers", "initContainers") if init else ("containers",):
        items = dep.get(*POD, group)
        if isinstance(items, list):
            for i, c in enumerate(items):
                if isinstance(c, dict):
                    yield (*POD, group, i), c


@dataclass(frozen=True)
class Finding:
    """A field of an object that breaks a rule, and what is wrong with it."""

    doc: Doc
    path: Path
    what: str

    @property
    def line(self) -> int:
        return self.doc.line_of(*self.path)

    def __str__(self) -> str:
        where = f"{self.doc.path}:{self.line}"
        field_ = dotted(self.path) or "(the document)"
        return (f"{self.doc.ref} {field_} ({where}: `{self.doc.source(self.line).strip()}`)"
                f" — {self.what}")


def judge(app: GradedApp, findings: list[Finding]) -> None:
    """Fail with the first finding (object, field, file:line, the line, what is wrong) as
    the message and the evidence, and the count of the others; pass when there is none."""
    if not findings:
        return
    first = findings[0]
    app.evidence = {"object": first.doc.ref, "field": dotted(first.path) or "-",
                    "file": f"{first.doc.path}:{first.line}",
                    "line": first.doc.source(first.line)}
    more = f" (and {len(findings) - 1} more)" if len(findings) > 1 else ""
    raise AssertionError(f"{first}{more}")
