"""idempotency: a resubmission with a used Idempotency-Key answers 200 and the first task,
also when the resubmissions race, and the task runs once."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx

from kata.testing import GradedApp, describe, expect, requirement

from ._client import Api, Call, Hooks

CROWD = 5
ARRIVE_S = 5.0  # the first call arrives by then (the task is due at once)
SETTLE_S = 1.5  # and a second one, if the task ran twice, by this long after it


def runs(hooks: Hooks, path: str) -> list[Call]:
    """The POSTs to ``path``: once the first has come, what came SETTLE_S later too."""
    if hooks.wait_calls(path, 1, ARRIVE_S):
        time.sleep(SETTLE_S)
    return hooks.calls(path)


@requirement("idempotency")
def test_a_resubmission_answers_the_first_task(app: GradedApp, api: Api,
                                               hooks: Hooks) -> None:
    path, key = api.hook(), f"kata-{api.token()}"
    body = {"kind": "echo", "payload": {"url": Hooks.url(path), "message": "once"}}
    first = api.submit("echo", body["payload"], key=key, why="a new Idempotency-Key")
    again = api.post(body, key=key)
    expect(again, 200, why="the same Idempotency-Key again")
    same = api.task_of(again)
    assert same["id"] == first["id"], (
        f"POST /tasks with Idempotency-Key {key} twice → expected the first task "
        f"{first['id']} again, got a task {same['id']}")
    calls = runs(hooks, path)
    assert len(calls) == 1, (f"an echo task submitted twice with Idempotency-Key {key} "
                             f"POSTed {len(calls)} times to its url: expected once")


@requirement("idempotency")
def test_racing_resubmissions_make_one_task(app: GradedApp, api: Api, hooks: Hooks) -> None:
    path, key = api.hook(), f"kata-{api.token()}"
    body = {"kind": "echo", "payload": {"url": Hooks.url(path), "message": "raced"}}
    gate = threading.Barrier(CROWD, timeout=30)
    with app.clients(CROWD) as clients:  # a client per request, not one shared by threads

        def one(_: int) -> httpx.Response:
            with clients.one() as client:
                gate.wait()  # all released together with one key
                return api.post(body, key=key, client=client)

        with ThreadPoolExecutor(CROWD) as pool:
            answers = list(pool.map(one, range(CROWD)))
    for r in answers:
        expect(r, 200, 201, why=f"one of {CROWD} concurrent POSTs with one Idempotency-Key")
    ids = {api.task_of(r)["id"] for r in answers}
    created = sum(r.status_code == 201 for r in answers)
    assert len(ids) == 1 and created == 1, (
        f"{CROWD} concurrent POST /tasks with Idempotency-Key {key} → expected one 201 and "
        f"the same task in every answer, got {created} × 201 and {len(ids)} different "
        f"task ids, e.g. {describe(answers[-1])}")
    calls = runs(hooks, path)
    assert len(calls) == 1, (f"an echo task submitted {CROWD} times at once with one "
                             f"Idempotency-Key POSTed {len(calls)} times: expected once")
