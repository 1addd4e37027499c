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
_CUT = "--kata-log-follows--"
# The app's statements since the reset (kata's own name pg_stat_statements), as JSON.
_STATEMENTS = ("SELECT coalesce(json_agg(json_build_object('query', query, 'calls', calls) "
               "ORDER BY calls DESC, query), '[]') FROM pg_stat_statements "
               "WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) "
               "AND query NOT LIKE '%pg_stat_statements%'")


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
    def _start(self) -> tuple[int, bool]:
        """Reset the statistics; (the log's size now, whether auto_explain is on)."""
        # The reset last: kata's own statements before it are forgotten, and the reset's
        # own entry names pg_stat_statements, which kata leaves out.
        out = self._exec(["sh", "-c", f"psql '{CONNINFO}' -AtqX -c "
                          "\"SELECT current_setting('auto_explain.log_min_duration')\" -c "
                          "'SELECT pg_stat_statements_reset()' && "
                          f"stat -c %s {LOG_FILE}"]).split()
        if len(out) != 2 or not out[1].isdecimal():
            raise KataDbError(f"kata could not read the size of {LOG_FILE}: {out!r}")
        return int(out[1]), out[0] == "0"

    def observe(self, request: Callable[[], httpx.Response]) -> Observed:
        """Send one request with the statistics reset just before; what the app ran. The
        first time, switch auto_explain on for every statement (it stays on)."""
        offset, explaining = self._start()
        if not explaining:
            self.sql("ALTER SYSTEM SET auto_explain.log_min_duration = 0",
                     "SELECT pg_reload_conf()")
            time.sleep(RELOAD_SETTLE_S)
            offset, _ = self._start()
        response = request()
        # The statements, then the log since the offset, in one command.
        out = self._exec(["sh", "-c", f"psql '{CONNINFO}' -AtqX -c \"{_STATEMENTS}\" && "
                          f"echo {_CUT} && tail -c +{offset + 1} {LOG_FILE}"])
        counted, _, log = out.partition(f"{_CUT}\n")
        statements = [Statement(str(r["query"]), int(r["calls"])) for r in json.loads(counted)]
        want = sum(s.calls for s in statements)
        plans = _read_plans(log)
        deadline = time.monotonic() + PLAN_WAIT_S
        while len(plans) < want and time.monotonic() < deadline:
            time.sleep(0.1)
            plans = _read_plans(self._exec(["tail", "-c", f"+{offset + 1}", LOG_FILE]))
        return Observed(response, statements, plans)


def _read_plans(log: str) -> list[_plans.Plan]:
    found = (_plans.from_log_line(line, skip_app=GRADER_APP) for line in log.splitlines())
    return [p for p in found if p is not None]
