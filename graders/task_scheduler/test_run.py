"""run: each kind really runs, and its status says so."""

from __future__ import annotations

import time

from kata.testing import GradedApp, requirement

from ._client import Api, Hooks

DEADLINE_S = 10.0


@requirement("run")
def test_a_sleep_task_is_seen_running_then_succeeds(app: GradedApp, api: Api) -> None:
    task = api.submit("sleep", {"seconds": 1.5})
    seen = {task["status"]}
    end = time.monotonic() + DEADLINE_S
    while time.monotonic() < end:
        now = api.get(task["id"])
        seen.add(now["status"])
        if now["status"] in ("succeeded", "failed"):
            break
        time.sleep(0.1)
    assert "running" in seen, (
        f"a sleep task of 1.5 s ({task['id']}) was never seen \"running\" (GET /tasks/{{id}} "
        f"every 0.1 s showed {sorted(seen)}): set the status running when a worker takes it")
    assert (now["status"], now["attempts"]) == ("succeeded", 1), (
        f"a sleep task of 1.5 s ({task['id']}), {DEADLINE_S:g} s after it was submitted → "
        f"expected status \"succeeded\" and attempts 1, got {now['status']!r} and "
        f"{now['attempts']!r}")


@requirement("run")
def test_an_echo_task_posts_its_message_once(app: GradedApp, api: Api, hooks: Hooks) -> None:
    path = api.hook()
    message = f"hello {api.token()}"
    task = api.submit("echo", {"url": Hooks.url(path), "message": message})
    calls = hooks.wait_calls(path, 1, DEADLINE_S)
    assert calls, (f"an echo task ({task['id']}) to {Hooks.url(path)}: no POST reached it "
                   f"within {DEADLINE_S:g} s of submitting it")
    body = calls[0].body
    want = {"task_id": task["id"], "message": message, "attempt": 1}
    assert {k: body.get(k) for k in want} == want, (
        f"an echo task ({task['id']}) POSTed {body or 'no JSON object'} to its URL: expected "
        f"a JSON body with {want}")
    done = api.wait_status(task["id"], ("succeeded", "failed"), DEADLINE_S)
    assert (done["status"], done["attempts"]) == ("succeeded", 1), (
        f"an echo task ({task['id']}) whose callback answered 200 → expected status "
        f"\"succeeded\" and attempts 1, got {done['status']!r} and {done['attempts']!r}")
    time.sleep(0.5)
    count = len(hooks.calls(path))
    assert count == 1, (f"an echo task ({task['id']}) that succeeded POSTed to its URL "
                        f"{count} times: expected once")


@requirement("run")
def test_fail_n_times_with_n_0_succeeds_at_once(app: GradedApp, api: Api) -> None:
    task = api.submit("fail-n-times", {"n": 0})
    done = api.wait_status(task["id"], ("succeeded", "failed"), DEADLINE_S)
    assert (done["status"], done["attempts"]) == ("succeeded", 1), (
        f"a fail-n-times task with n = 0 ({task['id']}) → expected status \"succeeded\" "
        f"and attempts 1, got {done['status']!r} and {done['attempts']!r}")
