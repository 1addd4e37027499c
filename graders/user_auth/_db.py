"""What the app stored, read the way the app would: psql in kata's PostgreSQL container,
as the app's database user. The rows of the learner's tables that hold what a check looks
for (an email, a password's forms) come back as JSON (row_to_json), so each column's value
is read exactly, whatever its type; bytea arrives as "\\x<hex>" and is also tried as text.
What the app stored is untrusted: the exec's output is capped, and rows are bounded per
table.

Only matching rows are read: an app may keep thousands of rows (sessions, failed logins, an
audit log) in tables that sort before its users table, and read whole they fill the exec's
1 MB cap first: the users row, and a plaintext password in it, would go unseen."""

from __future__ import annotations

import json
from collections.abc import Iterable
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
    if done.clipped:
        # Only rows holding a value kata made up a moment ago are asked for: a megabyte of
        # them is the app's doing, and what was cut off cannot be vouched for.
        raise DatabaseUnreadable("the rows holding the email and password kata had just sent "
                                 "came to more than 1 MB: kata cannot read them all")
    return done.stdout


def tables(app: GradedApp) -> list[str]:
    return [t for t in _psql(app, TABLES_SQL).splitlines() if t]


def rows(app: GradedApp, needles: Iterable[str]) -> list[Row]:
    """The rows of every table (up to ROWS_PER_TABLE each) whose JSON holds one of
    ``needles``, ignoring case, as text or as bytea's hex. A superset of the rows where
    ``Row.holds`` finds a needle: the caller still decides on each value."""
    names = tables(app)
    forms = sorted({form for needle in needles if needle
                    for form in (needle.lower(), needle.encode().hex(),
                                 needle.lower().encode().hex())})
    if not names or not forms:
        return []
    # The names are PostgreSQL's own format('%I.%I'): quoted identifiers, safe to splice.
    # One JSON document a line: json escapes every newline a value holds.
    where = " OR ".join(f"strpos(j, {_literal(form)}) > 0" for form in forms)
    parts = [f"(SELECT json_build_object('t', {_literal(n)}, 'r', r)::text FROM "
             f"(SELECT r, lower(r::text) AS j FROM (SELECT row_to_json(x) AS r FROM {n} x) a) b "
             f"WHERE {where} LIMIT {ROWS_PER_TABLE})" for n in names]
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
