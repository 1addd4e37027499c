"""at-least-once: kata restarts the app while sleep tasks run and echo tasks are due
later; every one of them completes after the restart (none lost, none left running)."""

from __future__ import annotations

import time

from kata.testing import GradedApp, requirement

from ._client import Api, Hooks

RUNNING = 6  # sleep tasks of SLEEP_S, submitted to run at once
SLEEP_S = 3
LATER_S = (4.0, 5.0, 6.0)  # echo tasks due this long after submitting: after the restart
SEEN_RUNNING_S = 10.0  # kata waits this long for a sleep task to be running
DEADLINE_S = 60.0  # after the restart, everything has ended by then


@requirement("at-least-once")
def test_a_restart_loses_no_task(app: GradedApp, api: Api, hooks: Hooks) -> None:
    path = api.hook()
    sleeps = [api.submit("sleep", {"seconds": SLEEP_S})["id"] for _ in range(RUNNING)]
    base = time.time()
    echoes = [api.submit("echo", {"url": Hooks.url(path), "message": f"due +{s:g} s"},
                         base + s)["id"] for s in LATER_S]
    end = time.monotonic() + SEEN_RUNNING_S
    running: list[str] = []
    while True:
        running = [t for t in sleeps if api.get(t)["status"] == "running"]
        if running or time.monotonic() >= end:
            break
        time.sleep(0.1)
    assert running, (f"none of {RUNNING} sleep tasks of {SLEEP_S} s was \"running\" within "
                     f"{SEEN_RUNNING_S:g} s of submitting them, so kata had nothing to "
                     f"interrupt")
    began = time.monotonic()
    app.restart()
    app.measure(f"kata restarted the app (SIGTERM, then SIGKILL after 5 s) while "
                f"{len(running)} sleep task(s) were running; it answered again after "
                f"{time.monotonic() - began:.1f} s")
    ended = api.settled(sleeps + echoes, DEADLINE_S)
    stuck = {t: task["status"] for t, task in ended.items() if task["status"] != "succeeded"}
    if stuck:
        t, status = next(iter(stuck.items()))
        what = ("a sleep task that was running when kata restarted the app"
                if t in running else "a sleep task" if t in sleeps
                else "an echo task due after the restart")
        raise AssertionError(f"{len(stuck)} of {len(ended)} tasks submitted before the restart had "
                       f"not succeeded {DEADLINE_S:g} s after it, e.g. {what} ({t}) is "
                       f"{status!r}: a task taken from the queue must stay there until it "
                       f"has finished")
    calls = hooks.wait_calls(path, len(echoes), 3)
    arrived = {c.task_id for c in calls}
    lost = [t for t in echoes if t not in arrived]
    assert not lost, (f"{len(lost)} echo task(s) due after the restart ({', '.join(lost)}) "
                      f"say succeeded but never POSTed to their url")
