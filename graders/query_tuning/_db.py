"""What the database saw while the app answered one request: the statements it ran
(pg_stat_statements, reset just before) and the plans it executed them with (auto_explain,
with ANALYZE and BUFFERS, into the server's JSON log). kata reads both inside the database
container (``ServiceHandle.exec``), as kata's own session, which it leaves out of both.

The server runs with both libraries preloaded and the JSON log at LOG (exercise.toml's
``command``); auto_explain is switched on (every statement explained) only when the first
check needs it, after the load phase has measured the app."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from kata.testing import GradedApp

from . import _plans

SERVICE = "db"
LOG_FILE = "/tmp/pglog/postgresql.json"  # log_directory + log_filename, as jsonlog names it
GRADER_APP = "kata-grader"  # kata's own sessions' application_name
CONNINFO = f"dbname=kata user=kata application_name={GRADER_APP}"
PLAN_WAIT_S = 3.0  # the log collector writes a moment after the statement ends
RELOAD_SETTLE_S = 0.3  # every backend takes the reloaded settings before its next statement


class KataDbError(RuntimeError):
    """kata could not read the database (its own side, not the app's)."""


@dataclass
class Statement:
    query: str
    calls: int


@dataclass
class Observed:
    """One request and what the database did for it."""

    response: httpx.Response
    statements: list[Statement]
    plans: list[_plans.Plan]

    @property
    def calls(self) -> int:
        return sum(s.calls for s in self.statements)


class Db:
    def __init__(self, app: GradedApp) -> None:
        self.app = app
        self.service = app.services[SERVICE]

    # -- psql ---------------------------------------------------------------------------
    def _exec(self, cmd: list[str]) -> str:
        done = self.service.exec(cmd, timeout_s=15)
        if done.code != 0 or done.timed_out:
            raise KataDbError(f"kata's command in the database failed ({done.code}): "
                              f"{' '.join(cmd)[:200]}: {done.stderr.strip()[:400]}")
        return done.stdout

    def sql(self, *statements: str) -> str:
        """Run each statement on its own (ALTER SYSTEM cannot share a transaction)."""
        cmd = ["psql", CONNINFO, "-AtqX", "-v", "ON_ERROR_STOP=1"]
        for s in statements:
            cmd += ["-c", s]
        return self._exec(cmd)

    def rows(self, query: str) -> list[dict[str, Any]]:
        """``query``'s rows as JSON objects, in its order."""
        out = self.sql(f"SELECT coalesce(json_agg(t), '[]') FROM ({query}) t")
        return json.loads(out)

    # -- observing one request -----------------------------------------------------------
    def explain_all(self) -> None:
        """Switch auto_explain on for every statement (once per grade: it stays on)."""
        on = self.sql("SELECT current_setting('auto_explain.log_min_duration')").strip()
        if on != "0":
            self.sql("ALTER SYSTEM SET auto_explain.log_min_duration = 0",
                     "SELECT pg_reload_conf()")
            time.sleep(RELOAD_SETTLE_S)

    def observe(self, request: Callable[[], httpx.Response]) -> Observed:
        """Send one request with the statistics reset just before; what the app ran."""
        self.explain_all()
        offset = int(self._exec(["sh", "-c", f"psql '{CONNINFO}' -AtqX -c "
                                 "'SELECT pg_stat_statements_reset()' >/dev/null && "
                                 f"stat -c %s {LOG_FILE}"]).strip() or 0)
        response = request()
        statements = [Statement(str(r["query"]), int(r["calls"])) for r in self.rows(
            "SELECT query, calls FROM pg_stat_statements "
            "WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) "
            "AND query NOT LIKE '%pg_stat_statements%' ORDER BY calls DESC, query")]
        want = sum(s.calls for s in statements)
        deadline = time.monotonic() + PLAN_WAIT_S
        while True:
            plans = self._plans_since(offset)
            if len(plans) >= want or time.monotonic() > deadline:
                return Observed(response, statements, plans)
            time.sleep(0.1)

    def _plans_since(self, offset: int) -> list[_plans.Plan]:
        text = self._exec(["tail", "-c", f"+{offset + 1}", LOG_FILE])
        found = (_plans.from_log_line(line, skip_app=GRADER_APP) for line in text.splitlines())
        return [p for p in found if p is not None]
