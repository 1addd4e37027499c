"""submit: POST /tasks validates and queues; GET /tasks/{id} answers the task, or 404.
Every task here is due an hour ahead. Only the POST's answer must say queued: what a
worker does with the task later (on time or not) is on-time's business."""

from __future__ import annotations

import time
from typing import Any

from kata.testing import GradedApp, expect, requirement

from ._client import Api, Hooks, rfc3339

AHEAD_S = 3600.0


def valid_tasks(api: Api) -> list[tuple[str, dict[str, Any]]]:
    return [("sleep", {"seconds": 1}),
            ("fail-n-times", {"n": 2}),
            ("echo", {"url": Hooks.url(api.hook()), "message": "hello"})]


@requirement("submit")
def test_each_kind_is_queued_and_can_be_read_back(app: GradedApp, api: Api) -> None:
    run_at = time.time() + AHEAD_S
    for kind, payload in valid_tasks(api):
        task = api.submit(kind, payload, run_at)
        assert task["status"] == "queued" and task["attempts"] == 0, (
            f"POST /tasks of a {kind} task due in an hour → expected status \"queued\" and "
            f"attempts 0, got status {task['status']!r} and attempts {task['attempts']!r}")
        again = api.get(task["id"])  # its status is the worker's business: not checked
        assert again["kind"] == kind, (
            f"GET /tasks/{task['id']} (a {kind} task) → expected kind {kind!r}, got "
            f"{again['kind']!r}")


@requirement("submit")
def test_invalid_tasks_are_refused_with_422(app: GradedApp, api: Api) -> None:
    later = time.time() + AHEAD_S
    when = rfc3339(later)
    hook = Hooks.url(api.hook())
    bad: list[tuple[Any, str]] = [
        ({"kind": "explode", "payload": {}, "run_at": when}, "an unknown kind"),
        ({"kind": "sleep", "payload": {"seconds": "ten"}, "run_at": when},
         "seconds is not a number"),
        ({"kind": "sleep", "payload": {"seconds": -1}, "run_at": when}, "seconds below 0"),
        ({"kind": "sleep", "payload": {"seconds": 31}, "run_at": when}, "seconds above 30"),
        ({"kind": "sleep", "run_at": when}, "no payload"),
        ({"kind": "fail-n-times", "payload": {"n": 1.5}, "run_at": when},
         "n is not an integer"),
        ({"kind": "fail-n-times", "payload": {"n": 11}, "run_at": when}, "n above 10"),
        ({"kind": "echo", "payload": {"message": "hi"}, "run_at": when}, "echo without a url"),
        ({"kind": "echo", "payload": {"url": "ftp://hooks/x", "message": "hi"},
          "run_at": when}, "a url that is not http(s)"),
        ({"kind": "echo", "payload": {"url": hook, "message": "x" * 1001}, "run_at": when},
         "a message over 1000 characters"),
        ({"kind": "sleep", "payload": {"seconds": 1}, "run_at": "2030-01-01T12:00:00"},
         "a run_at without a time zone"),
        ({"kind": "sleep", "payload": {"seconds": 1}, "run_at": "tomorrow"},
         "a run_at that is no date-time"),
        (["sleep"], "a body that is no JSON object"),
    ]
    for body, why in bad:
        expect(api.post(body), 422, why=why)


@requirement("submit")
def test_an_unknown_task_is_404(app: GradedApp, api: Api) -> None:
    r = app.http.get(f"/tasks/{api.token()}{api.token()}")
    expect(r, 404, why="no task has this id")
