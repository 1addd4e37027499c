"""Reading the plans PostgreSQL executed (auto_explain's JSON, with ANALYZE and BUFFERS):
what each statement scanned, how many pages it touched, how many rows it read, what it
returned. Pure: a plan in, facts and one-line descriptions out.

A plan node's ``Actual Rows`` and ``Rows Removed by …`` are per loop; its buffer counts
include its children's (the root's are the statement's)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

Node = dict[str, Any]

# auto_explain's log message: "duration: 0.123 ms  plan:\n{…json…}"
_PLAN_MESSAGE = re.compile(r"^duration: [0-9.]+ ms\s+plan:\s*", re.S)


@dataclass(frozen=True)
class Plan:
    """One statement as the server ran it: its text and its executed plan."""

    query: str
    root: Node

    @property
    def pages(self) -> int:
        return pages(self.root)


def from_log_line(line: str, skip_app: str) -> Plan | None:
    """The plan in one line of the server's JSON log, or None (another message, or a
    statement of the session named ``skip_app``: kata's own)."""
    try:
        entry = json.loads(line)
    except ValueError:
        return None
    if not isinstance(entry, dict) or entry.get("application_name") == skip_app:
        return None
    message = entry.get("message")
    if not isinstance(message, str) or not (m := _PLAN_MESSAGE.match(message)):
        return None
    try:
        doc = json.loads(message[m.end():])
    except ValueError:
        return None
    if not isinstance(doc, dict) or not isinstance(doc.get("Plan"), dict):
        return None
    return Plan(str(doc.get("Query Text", "")), doc["Plan"])


def walk(node: Node) -> Iterator[Node]:
    yield node
    for child in node.get("Plans", []) or []:
        if isinstance(child, dict):
            yield from walk(child)


def _int(node: Node, key: str) -> int:
    value = node.get(key, 0)
    return int(value) if isinstance(value, int | float) else 0


def pages(node: Node) -> int:
    """Shared buffers the node (and its children) touched: found in memory or read."""
    return _int(node, "Shared Hit Blocks") + _int(node, "Shared Read Blocks")


def own_pages(node: Node) -> int:
    return pages(node) - sum(pages(c) for c in node.get("Plans", []) or [] if isinstance(c, dict))


def rows_read(node: Node) -> int:
    """Rows a scan node produced or threw away, over all its loops."""
    per_loop = (_int(node, "Actual Rows") + _int(node, "Rows Removed by Filter")
                + _int(node, "Rows Removed by Index Recheck"))
    return per_loop * max(_int(node, "Actual Loops"), 1)


def scans(root: Node) -> list[Node]:
    return [n for n in walk(root) if "Relation Name" in n]


def seq_scans(root: Node, relation: str) -> list[Node]:
    return [n for n in scans(root)
            if n.get("Node Type") == "Seq Scan" and n.get("Relation Name") == relation]


def disk_sorts(root: Node) -> list[Node]:
    return [n for n in walk(root) if n.get("Node Type") in ("Sort", "Incremental Sort")
            and (n.get("Sort Space Type") == "Disk"
                 or "external" in str(n.get("Sort Method", "")))]


def heaviest(root: Node) -> Node:
    """The node that touched the most pages itself: where a statement's reading went."""
    return max(walk(root), key=own_pages)


def widest_scan(root: Node) -> Node | None:
    """The scan that read the most rows."""
    return max(scans(root), key=rows_read, default=None)


def describe(node: Node) -> str:
    """``Seq Scan on posts: 199999 rows removed by filter, 4344 pages`` — a plan line."""
    kind = str(node.get("Node Type", "?"))
    if node.get("Parallel Aware"):
        kind = f"Parallel {kind}"
    if node.get("Scan Direction") == "Backward":
        kind += " Backward"
    text = kind
    if index := node.get("Index Name"):
        text += f" using {index}"
    if relation := node.get("Relation Name"):
        text += f" on {relation}"
    facts = [f"{rows_read(node)} rows read" if relation else f"{_int(node, 'Actual Rows')} rows"]
    for key in ("Index Cond", "Filter"):
        if node.get(key):
            facts.append(f"{key}: {str(node[key])[:160]}")
    if removed := _int(node, "Rows Removed by Filter") * max(_int(node, "Actual Loops"), 1):
        facts.append(f"{removed} rows removed by filter")
    if node.get("Sort Method"):
        facts.append(f"Sort Method: {node['Sort Method']} {node.get('Sort Space Used', '')} kB "
                     f"({node.get('Sort Space Type', '')})")
    facts.append(f"{pages(node)} pages")
    return f"{text} ({'; '.join(facts)})"


_WHOLE_ROW = re.compile(r"\b\w+\.\*")  # p.*, as in row_to_json(p.*): every column of p


def returns_column(root: Node, column: str) -> str | None:
    """The statement's output item that carries ``column``, by its name or as part of a
    whole row (``p.*``), or None."""
    word = re.compile(rf"(^|[^\w]){re.escape(column)}($|[^\w])")
    for item in root.get("Output", []) or []:
        text = str(item)
        if word.search(text) or _WHOLE_ROW.search(text):
            return text
    return None
