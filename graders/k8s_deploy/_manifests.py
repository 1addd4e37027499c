"""The learner's Kubernetes manifests, read as the API server would get them and bounded,
for the k8s-deploy grader tests. A manifest is untrusted YAML: it is parsed with a safe
loader (no tags that build objects), with at most MAX_ALIASES aliases and MAX_NODES nodes
per file once aliases are expanded, at most MAX_FILES files of at most 1 MB each
(``app.files``) and MAX_DOCS documents; nothing in it is applied anywhere. Every value
keeps the line it came from, so a failed check names the object, the field, `file:line`,
and shows that line."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from kata.repofiles import RepoFiles
from kata.testing import GradedApp, trim
from kata.yamlsource import Located, Path, YamlRefused, documents, text

PATTERNS = ("k8s/**/*.yaml", "k8s/**/*.yml")  # beside the Dockerfile (a monorepo's folder)
MAX_FILES = 50
MAX_DOCS = 200
MAX_ALIASES = 100
MAX_NODES = 50_000

# A manifest kata cannot read as YAML (or refuses to expand): the learner's failure.
ManifestUnreadable = YamlRefused


@dataclass
class Doc(Located):
    """One YAML document of a manifest file: a Kubernetes object (or not)."""

    index: int = 0  # 0-based, among the file's documents

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
    docs = documents(path, source, max_nodes=MAX_NODES, max_aliases=MAX_ALIASES,
                     max_docs=MAX_DOCS)
    return tuple(Doc(d.path, d.text, d.data, d.lines, index=i) for i, d in enumerate(docs))


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
