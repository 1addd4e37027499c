"""What the task-scheduler grader tests share: the app's task API (submit, read a task,
wait for a status) and kata's callback recorder (the URLs an `echo` or `fail-n-times`
task calls, and each call's arrival time).

kata owns the recorder (kata/callback-recorder): what it answers kata is trusted to be
well-formed (a surprise there is kata's fault, raised as such). Everything the app answers
is checked, and a wrong answer becomes a message that says what was sent, what was
expected and what came back. The recorder keeps each call's body as the app sent it:
untrusted, so read with care (a body that is no JSON object is read as none).

The recorder and the app's container share the host's clocks: a call's wall-clock arrival
time is compared with the run_at kata asked for, and its monotonic time with other calls'
for the gaps between attempts."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx

from kata.testing import (
    GradedApp,
    capped_client,
    describe,
    expect,
    is_int,
    json_of,
    said,
)

HOOKS = "hooks"  # the recorder's service name and port in exercise.toml
HOOKS_PORT = 8080
STATUSES = ("queued", "running", "succeeded", "failed")
POLL_S = 0.1


class RecorderTrouble(RuntimeError):
    """kata's callback recorder answered what it never should to kata's own request:
    kata's fault, not the learner's (a RuntimeError is reported as a grader error)."""


def rfc3339(epoch: float, offset_h: int = 0) -> str:
    """``epoch`` as RFC 3339 with milliseconds, in UTC (``Z``) or at an offset."""
    zone = UTC if offset_h == 0 else timezone(timedelta(hours=offset_h))
    text = datetime.fromtimestamp(epoch, zone).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


@dataclass(frozen=True)
class Call:
    """One callback as the recorder received it."""

    at: float  # wall clock, seconds since the epoch
    mono: float  # the host's monotonic clock
    body: dict[str, Any]  # {} when the app sent no JSON object

    @property
    def task_id(self) -> str | None:
        """The body's task_id when it is a string (the app's JSON is untrusted: a list
        there must not reach a set)."""
        got = self.body.get("task_id")
        return got if isinstance(got, str) else None


class Hooks:
    """The recorder's admin API, as kata's host reaches it, and hook URLs for the app."""

    def __init__(self, app: GradedApp) -> None:
        url = app.services[HOOKS].address(HOOKS_PORT).url
        self.http = capped_client(url, 10.0)

    def close(self) -> None:
        self.http.close()

    @staticmethod
    def url(path: str) -> str:
        """The URL of hook ``path`` as the app reaches it, on the run's network."""
        return f"http://{HOOKS}:{HOOKS_PORT}{path}"

    def calls(self, path: str) -> list[Call]:
        r = self.http.get("/_admin/calls", params={"path": path})
        try:
            got = r.json() if r.status_code == 200 else None
        except ValueError:
            got = None
        if not isinstance(got, dict) or not isinstance(got.get("calls"), list):
            raise RecorderTrouble(f"kata's callback recorder answered {said(r)} with "
                                  f"{describe(r)}")
        return [Call(float(c["at"]), float(c["mono"]),
                     c["body"] if isinstance(c.get("body"), dict) else {})
                for c in got["calls"]]

    def wait_calls(self, path: str, count: int, deadline_s: float) -> list[Call]:
        """The calls to ``path`` once there are ``count`` (or what came by the deadline)."""
        end = time.monotonic() + deadline_s
        while True:
            calls = self.calls(path)
            if len(calls) >= count or time.monotonic() >= end:
                return calls
            time.sleep(POLL_S)


class Api:
    """The app's task API as one grader test uses it."""

    def __init__(self, app: GradedApp, hooks: Hooks, salt: str) -> None:
        self.app = app
        self.hooks = hooks
        self.rng = app.rng(salt)

    @property
    def http(self) -> httpx.Client:
        return self.app.http  # not cached: app.restart() replaces the client

    def token(self) -> str:
        return f"{self.rng.randrange(16**12):012x}"

    def hook(self) -> str:
        """A fresh hook path no task has called yet."""
        return f"/hooks/{self.token()}"

    def post(self, body: Any, key: str | None = None,
             client: httpx.Client | None = None) -> httpx.Response:
        headers = {"Idempotency-Key": key} if key is not None else None
        return (client or self.http).post("/tasks", json=body, headers=headers)

    def submit(self, kind: str, payload: dict[str, Any], run_at: float | str | None = None,
               key: str | None = None, client: httpx.Client | None = None,
               why: str = "") -> dict[str, Any]:
        """POST /tasks of a valid task; 201 with a task whose id is a string, or fail."""
        body: dict[str, Any] = {"kind": kind, "payload": payload}
        if run_at is not None:
            body["run_at"] = rfc3339(run_at) if isinstance(run_at, float) else run_at
        r = self.post(body, key, client)
        expect(r, 201, why=why or f"a valid {kind} task")
        return self.task_of(r, kind)

    def task_of(self, r: httpx.Response, kind: str | None = None) -> dict[str, Any]:
        """The task in an answer: a JSON object with a string id, a status of the spec's
        and an integer attempts."""
        task = json_of(r)
        problem = ""
        if not isinstance(task, dict):
            problem = "a JSON object"
        elif not isinstance(task.get("id"), str) or not task["id"] \
                or len(task["id"]) > 200:
            problem = 'an "id" string (1 to 200 characters)'
        elif task.get("status") not in STATUSES:
            problem = f'a "status" of {", ".join(STATUSES)}'
        elif not is_int(task.get("attempts")):
            problem = 'an integer "attempts"'
        elif kind is not None and task.get("kind") != kind:
            problem = f'"kind": "{kind}"'
        if problem:
            raise AssertionError(f"{said(r)} → expected a task with {problem}, got "
                                 f"{describe(r)}")
        return task

    def get(self, task_id: str) -> dict[str, Any]:
        r = self.http.get(f"/tasks/{task_id}")
        expect(r, 200, why="a task the app accepted")
        task = self.task_of(r)
        if task["id"] != task_id:
            raise AssertionError(f"{said(r)} → expected the task {task_id}, got "
                                 f"{describe(r)}")
        return task

    def wait_status(self, task_id: str, statuses: tuple[str, ...],
                    deadline_s: float) -> dict[str, Any]:
        """The task once its status is one of ``statuses``, or as it is at the deadline."""
        end = time.monotonic() + deadline_s
        while True:
            task = self.get(task_id)
            if task["status"] in statuses or time.monotonic() >= end:
                return task
            time.sleep(POLL_S)

    def settled(self, task_ids: list[str], deadline_s: float) -> dict[str, dict[str, Any]]:
        """Every task as it is once all have ended (succeeded or failed), or at the
        deadline."""
        end = time.monotonic() + deadline_s
        last: dict[str, dict[str, Any]] = {}
        while True:
            for tid in task_ids:
                if last.get(tid, {}).get("status") not in ("succeeded", "failed"):
                    last[tid] = self.get(tid)
            done = all(t["status"] in ("succeeded", "failed") for t in last.values())
            if done or time.monotonic() >= end:
                return last
            time.sleep(POLL_S * 3)


__all__ = ["Api", "Call", "Hooks", "RecorderTrouble", "rfc3339"]
