"""YAML a learner wrote (a workflow, Kubernetes manifests), read for graders: untrusted, so
parsed with a safe loader (no tags that build objects), at most ``max_aliases`` aliases and
``max_nodes`` nodes once aliases are expanded (a "billion laughs" document is refused, not
walked), and nothing in it is ever run. Every value keeps the line it came from, so a
failed check names `file:line` and shows that line.

A document kata refuses is the learner's failure: ``YamlRefused`` is an AssertionError
whose message says why (`ci.yml:3: not valid YAML: …`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

Path = tuple[Any, ...]  # keys and indexes from a document's root to a value


class YamlRefused(AssertionError):
    """YAML kata cannot read, or refuses to expand: the learner's failure."""


class YamlTooLarge(YamlRefused):
    """YAML whose aliases would expand it past kata's bounds (a "billion laughs")."""


@dataclass
class Located:
    """A YAML document with the line of each value, for messages that point at it."""

    path: str  # relative to the repository root
    text: str  # the whole file's text
    data: Any
    lines: dict[Path, int] = field(default_factory=dict)  # a value's key (or item): line

    def line_of(self, *path: Any) -> int:
        """The 1-based line of the value at ``path`` (its key's line), or of its nearest
        ancestor kata knows."""
        p: Path = tuple(path)
        while p and p not in self.lines:
            p = p[:-1]
        return self.lines.get(p, 1)

    def source(self, line: int) -> str:
        rows = self.text.splitlines()
        if not 0 < line <= len(rows):
            return ""
        row = rows[line - 1].strip()
        return row if len(row) <= 200 else row[:199] + "…"


def text(value: Any) -> str:
    """A scalar as the string a YAML consumer (GitHub, the API server) sees; '' for
    anything else (a mapping, a list, null)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value) if isinstance(value, (str, int, float)) else ""


class _TooManyAliases(Exception):
    pass


class SafeLoader(yaml.SafeLoader):
    """PyYAML's safe loader, counting aliases across the file's documents."""

    max_aliases = 100

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.aliases = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > self.max_aliases:
                raise _TooManyAliases
        return super().compose_node(parent, index)


class Yaml12Loader(SafeLoader):
    """YAML 1.2's words where GitHub's parser differs from PyYAML's 1.1: `on:` is a key,
    not the boolean true; a date stays a string."""


Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers
            if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"))


def documents(path: str, source: str, *, max_nodes: int, max_aliases: int = 100,
              max_docs: int = 1, loader: type[SafeLoader] = SafeLoader) -> list[Located]:
    """The documents of ``source`` (empty ones left out), each with its lines; YamlRefused
    when it is not YAML kata reads within its bounds (``max_nodes`` counts all documents)."""
    bounded = type("Bounded", (loader,), {"max_aliases": max_aliases})
    reader = bounded(source)
    found: list[Located] = []
    nodes = 0
    try:
        while reader.check_node():
            node = reader.get_node()
            if node is None:
                continue
            nodes += _count(node, path, max_nodes - nodes, max_nodes)
            data = reader.construct_document(node)
            if data is None:  # an empty document (`---` twice, a file of comments)
                continue
            found.append(Located(path, source, data, _lines(node)))
            if len(found) > max_docs:
                raise YamlRefused(f"{path}: more than {max_docs} YAML document"
                                  + ("s" if max_docs > 1 else ""))
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f"{path}:{mark.line + 1}" if mark else path
        raise YamlRefused(f"{where}: not valid YAML: {e.problem or e.context}") from None
    except yaml.YAMLError as e:
        raise YamlRefused(f"{path}: not valid YAML: {str(e)[:200]}") from None
    except _TooManyAliases:
        raise YamlTooLarge(f"{path}: more than {max_aliases} YAML aliases (*name): kata does "
                          "not expand that many") from None
    except RecursionError:
        raise YamlRefused(f"{path}: nested too deeply for kata to read") from None
    finally:
        reader.dispose()
    return found


def _count(root: yaml.Node, path: str, allowed: int, max_nodes: int) -> int:
    """The nodes of a document, aliases expanded; YamlRefused past ``allowed``."""
    seen, stack = 0, [root]
    while stack:
        node = stack.pop()
        seen += 1
        if seen > allowed:
            raise YamlTooLarge(f"{path}: more than {max_nodes} YAML nodes once its aliases "
                              "are expanded: kata refuses to read it")
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
