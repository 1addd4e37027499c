"""Where recorded grades live: a SQLite file (the embedded default) or a PostgreSQL
database a cohort shares. Both run the same SQL; a thin adapter hides the driver.

Recording loses nothing:
* a batch of entries is one transaction — a grade interrupted mid-record (Ctrl-C, a
  crash, a killed process) leaves the store as it was;
* each entry's ``run_key`` is the primary key and inserts are ``ON CONFLICT DO NOTHING``,
  so recording or importing the same run again changes nothing;
* concurrent recorders queue: SQLite takes the write lock up front (``BEGIN IMMEDIATE``,
  WAL, a busy timeout), PostgreSQL serialises only the schema creation (an advisory lock).
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from kata.errors import KataError, UsageError
from kata.leaderboard.entry import Entry

TABLE = "kata_results"
BUSY_TIMEOUT_S = 60.0
_TIME = "%Y-%m-%dT%H:%M:%S.%fZ"  # fixed width: text order is time order

COLUMNS = [
    "run_key", "learner", "exercise_id", "exercise_title", "exercise_version", "week",
    "earned", "max_points", "percent", "pass_mark", "passed", "graded_at", "kata_version",
    "source", "commit_sha", "run_url", "measurements", "report", "recorded_at",
]
SCHEMA = [
    f"""CREATE TABLE IF NOT EXISTS {TABLE} (
        run_key TEXT PRIMARY KEY,
        learner TEXT NOT NULL,
        exercise_id TEXT NOT NULL,
        exercise_title TEXT NOT NULL,
        exercise_version TEXT NOT NULL,
        week INTEGER,
        earned DOUBLE PRECISION NOT NULL,
        max_points INTEGER NOT NULL,
        percent DOUBLE PRECISION NOT NULL,
        pass_mark INTEGER NOT NULL,
        passed INTEGER NOT NULL,
        graded_at TEXT NOT NULL,
        kata_version TEXT NOT NULL,
        source TEXT NOT NULL,
        commit_sha TEXT NOT NULL,
        run_url TEXT NOT NULL,
        measurements TEXT NOT NULL,
        report TEXT NOT NULL,
        recorded_at TEXT NOT NULL
    )""",
    f"CREATE INDEX IF NOT EXISTS {TABLE}_exercise ON {TABLE} (exercise_id, learner)",
]
INSERT = (f"INSERT INTO {TABLE} ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))}) "
          "ON CONFLICT (run_key) DO NOTHING")
SELECT = f"SELECT {', '.join(COLUMNS[:-2])} FROM {TABLE} ORDER BY graded_at, run_key"


class _Adapter(Protocol):
    """What differs between the drivers; the SQL does not."""

    where: str  # for messages (no password)

    def connect(self) -> Any: ...

    def transaction(self, conn: Any) -> Any: ...  # context manager yielding a cursor

    def sql(self, text: str) -> str: ...

    def lock_schema(self, cur: Any) -> None: ...


class _SQLite:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.where = str(path)

    def connect(self) -> sqlite3.Connection:
        # Switching a new file to WAL takes an exclusive lock, and SQLite answers "locked"
        # at once, without its busy wait, when recorders open the file together: so wait
        # here, bounded in time. WAL is a property of the file, set once for good.
        deadline = time.monotonic() + BUSY_TIMEOUT_S
        while True:
            conn = None
            try:
                conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
                if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                    conn.execute("PRAGMA journal_mode=WAL")  # readers never wait for a writer
                conn.execute("PRAGMA synchronous=FULL")  # a committed grade survives a power cut
                return conn
            except sqlite3.OperationalError as e:
                if conn is not None:
                    conn.close()
                if "locked" not in str(e) or time.monotonic() > deadline:
                    raise KataError(f"cannot open the results file {self.path}: {e}",
                                    "check the path and that its folder is writable") from None
                time.sleep(0.05)
            except sqlite3.Error as e:
                if conn is not None:
                    conn.close()
                raise KataError(f"cannot open the results file {self.path}: {e}",
                                "check the path and that its folder is writable") from None

    @contextmanager
    def transaction(self, conn: sqlite3.Connection) -> Iterator[sqlite3.Cursor]:
        cur = conn.cursor()
        cur.execute("BEGIN IMMEDIATE")  # the write lock now, not at the first write
        try:
            yield cur
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        cur.execute("COMMIT")

    def sql(self, text: str) -> str:
        return text

    def lock_schema(self, cur: sqlite3.Cursor) -> None:
        pass  # BEGIN IMMEDIATE already excludes other writers


class _Postgres:
    def __init__(self, url: str) -> None:
        self.url = url
        self.where = re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", url)

    def connect(self) -> Any:
        import psycopg

        try:
            return psycopg.connect(self.url, autocommit=True, connect_timeout=15)
        except psycopg.Error as e:
            raise KataError(f"cannot connect to {self.where}: {str(e).strip()}",
                            "check the --record/--db URL, the server and the credentials") from None

    @contextmanager
    def transaction(self, conn: Any) -> Iterator[Any]:
        with conn.transaction(), conn.cursor() as cur:
            yield cur

    def sql(self, text: str) -> str:
        return text.replace("?", "%s")

    def lock_schema(self, cur: Any) -> None:
        # CREATE TABLE IF NOT EXISTS races with itself in PostgreSQL; queue the creators.
        cur.execute("SELECT pg_advisory_xact_lock(7274101)")


def _db_errors() -> tuple[type[BaseException], ...]:
    import psycopg

    return (sqlite3.Error, psycopg.Error)


class Store:
    """Recorded entries, in SQLite or PostgreSQL."""

    def __init__(self, adapter: _Adapter) -> None:
        self._db = adapter
        self._conn = adapter.connect()
        self._run(lambda cur: [cur.execute(s) for s in SCHEMA], schema=True)

    @property
    def where(self) -> str:
        return self._db.where

    def _run(self, work, schema: bool = False) -> Any:
        try:
            with self._db.transaction(self._conn) as cur:
                if schema:
                    self._db.lock_schema(cur)
                return work(cur)
        except _db_errors() as e:
            raise KataError(f"the results store {self.where} failed: {e}",
                            "nothing was recorded; retry, or check the store") from None

    def record(self, entries: Iterable[Entry]) -> int:
        """Record entries in one transaction; returns how many were new."""
        rows = [_row(e) for e in entries]
        insert = self._db.sql(INSERT)

        def work(cur) -> int:
            new = 0
            for row in rows:
                cur.execute(insert, row)
                new += max(cur.rowcount, 0)
            return new

        return self._run(work)

    def entries(self) -> list[Entry]:
        def work(cur) -> list[Entry]:
            cur.execute(self._db.sql(SELECT))
            return [_entry(row) for row in cur.fetchall()]

        return self._run(work)

    def report(self, key: str) -> str | None:
        """The full JSON report recorded under ``key``."""
        def work(cur) -> str | None:
            cur.execute(self._db.sql(f"SELECT report FROM {TABLE} WHERE run_key = ?"), (key,))
            row = cur.fetchone()
            return row[0] if row else None

        return self._run(work)

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _row(e: Entry) -> tuple:
    return (
        e.key, e.learner, e.exercise_id, e.exercise_title, e.exercise_version, e.week,
        float(e.earned), int(e.max_points), float(e.percent), int(e.pass_mark), int(e.passed),
        e.graded_at.astimezone(UTC).strftime(_TIME), e.kata_version, e.source,
        e.commit, e.run_url, json.dumps(e.measurements, sort_keys=True), e.report,
        datetime.now(UTC).strftime(_TIME),
    )


def _entry(row: tuple) -> Entry:
    (key, learner, ex_id, title, version, week, earned, max_points, percent, pass_mark, passed,
     graded_at, kata_version, source, commit, run_url, measurements) = row
    return Entry(
        key=key, learner=learner, exercise_id=ex_id, exercise_title=title,
        exercise_version=version, week=week, earned=float(earned), max_points=int(max_points),
        percent=float(percent), pass_mark=int(pass_mark), passed=bool(passed),
        graded_at=datetime.strptime(graded_at, _TIME).replace(tzinfo=UTC),
        kata_version=kata_version, source=source, commit=commit, run_url=run_url,
        measurements=json.loads(measurements),
    )


def is_url(target: str) -> bool:
    return target.startswith(("postgresql://", "postgres://"))


def open_store(target: str | Path, must_exist: bool = False) -> Store:
    """A results file path (SQLite; ``sqlite:///path`` too) or a ``postgresql://`` URL.
    ``must_exist``: a missing file is a usage error rather than a new, empty store."""
    text = str(target)
    if is_url(text):
        return Store(_Postgres(text))
    if text.startswith("sqlite:///"):  # as SQLAlchemy: sqlite:///rel.db, sqlite:////abs.db
        text = text[len("sqlite:///"):]
    elif "://" in text:
        raise UsageError(f"{target}: not a results file or a postgresql:// URL",
                         "pass a file such as results.db, or postgresql://user:pass@host/db")
    path = Path(text)
    if must_exist and not path.is_file():
        raise UsageError(f"no results at {path}",
                         "record grades with `kata grade … --record results.db` or "
                         "`kata leaderboard import --db results.db *.json`")
    return Store(_SQLite(path))
