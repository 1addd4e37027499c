"""What the app stored, read the way the app would: psql in kata's PostgreSQL container,
as the app's database user. Every row of every table of the learner's schemas comes back
as JSON (row_to_json), so each column's value is read exactly, whatever its type; bytea
arrives as "\\x<hex>" and is also tried as text. What the app stored is untrusted: the
exec's output is capped, and rows are bounded per table."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from kata.testing import GradedApp

SERVICE = "db"
PSQL = ["psql", "-U", "kata", "-d", "kata", "-AtX", "-v", "ON_ERROR_STOP=1", "-c"]
ROWS_PER_TABLE = 5000
MAX_TABLES = 100
TIMEOUT_S = 20

TABLES_SQL = (
    "SELECT format('%I.%I', table_schema, table_name) FROM information_schema.tables "
    "WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', "
    "'information_schema') AND table_schema NOT LIKE 'pg\\_%' ORDER BY 1 LIMIT "
    f"{MAX_TABLES}"
)


class DatabaseUnreadable(AssertionError):
    """kata could not read the database: said as the app's failure only when it is."""


@dataclass(frozen=True)
class Row:
    table: str
    values: dict[str, Any]

    def strings(self) -> list[tuple[str, str]]:
        """(column, text) of every value, bytea also decoded (when it is UTF-8), nested
        JSON values flattened."""
        out: list[tuple[str, str]] = []
        for column, value in self.values.items():
            for text in _texts(value):
                out.append((column, text))
                if text.startswith("\\x") and _is_hex(text[2:]):
                    try:
                        out.append((column, bytes.fromhex(text[2:]).decode("utf-8")))
                    except (ValueError, UnicodeDecodeError):
                        pass
        return out

    def holds(self, needle: str) -> bool:
        needle = needle.lower()
        return any(needle in text.lower() for _, text in self.strings())


def _is_hex(text: str) -> bool:
    return len(text) % 2 == 0 and all(c in "0123456789abcdefABCDEF" for c in text)


def _texts(value: Any, depth: int = 0) -> list[str]:
    if isinstance(value, str):
        return [value]
    if depth > 5 or value is None or isinstance(value, bool):
        return []
    if isinstance(value, int | float):
        return [str(value)]
    if isinstance(value, list):
        return [t for v in value for t in _texts(v, depth + 1)]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _texts(v, depth + 1)]
    return []


def _psql(app: GradedApp, sql: str) -> str:
    done = app.services[SERVICE].exec([*PSQL, sql], timeout_s=TIMEOUT_S)
    if done.timed_out or done.code != 0:
        why = "timed out" if done.timed_out else f"exit {done.code}: {done.stderr.strip()[:300]}"
        raise DatabaseUnreadable(f"kata could not read the database as the app's user "
                                 f"(psql {why})")
    return done.stdout


def tables(app: GradedApp) -> list[str]:
    return [t for t in _psql(app, TABLES_SQL).splitlines() if t]


def rows(app: GradedApp) -> list[Row]:
    """Every row of every table (up to ROWS_PER_TABLE each, the newest rows kata can tell
    are not asked for: tables have no order, so a bound is all there is)."""
    names = tables(app)
    if not names:
        return []
    # The names are PostgreSQL's own format('%I.%I'): quoted identifiers, safe to splice.
    # One JSON document a line: json escapes every newline a value holds.
    parts = [f"(SELECT json_build_object('t', {_literal(n)}, 'r', row_to_json(x))::text "
             f"FROM {n} x LIMIT {ROWS_PER_TABLE})" for n in names]
    out: list[Row] = []
    for line in _psql(app, " UNION ALL ".join(parts)).splitlines():
        try:
            doc = json.loads(line)
        except ValueError:
            continue
        if isinstance(doc, dict) and isinstance(doc.get("r"), dict):
            out.append(Row(str(doc.get("t")), doc["r"]))
    return out


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
