"""on-time: echo tasks due a few seconds ahead reach kata's callback recorder within ±1 s
of their run_at, in run_at order; one due in the past runs at once."""

from __future__ import annotations

import time

from kata.testing import GradedApp, requirement

from ._client import Api, Hooks, rfc3339

TOLERANCE_S = 1.0
# Seconds ahead of now, in the order submitted (not the order due); one in the past.
AHEAD_S = (5.0, 2.0, 4.0, 3.0)
PAST_S = -30.0
# The third is spelled at +02:00: any RFC 3339 offset names the same instant.
OFFSET_H = {2: 2}


@requirement("on-time")
def test_tasks_run_within_a_second_of_their_run_at(app: GradedApp, api: Api,
                                                   hooks: Hooks) -> None:
    path = api.hook()
    url = Hooks.url(path)
    base = time.time()
    due: dict[str, float] = {}  # task id -> when it should run (wall clock)
    for i, ahead in enumerate(AHEAD_S):
        run_at = base + ahead
        spelled = rfc3339(run_at, OFFSET_H.get(i, 0))
        task = api.submit("echo", {"url": url, "message": f"due in {ahead:g} s"}, spelled,
                          why=f"an echo task with run_at {spelled}")
        due[task["id"]] = run_at
    submitted = time.time()
    past = api.submit("echo", {"url": url, "message": "due 30 s ago"}, base + PAST_S,
                      why="an echo task whose run_at is 30 s in the past")
    due[past["id"]] = submitted  # due already: it runs at once
    calls = hooks.wait_calls(path, len(due), max(AHEAD_S) + TOLERANCE_S + 3)
    first: dict[str, float] = {}
    for call in calls:
        if call.task_id in due:
            first.setdefault(call.task_id, call.at)
    missing = [t for t in due if t not in first]
    assert not missing, (
        f"{len(missing)} of {len(due)} echo tasks never POSTed to {url} (task ids "
        f"{', '.join(missing[:3])}), {max(AHEAD_S) + TOLERANCE_S + 3:g} s after the "
        f"latest was due; {len(calls)} POSTs arrived in all")
    lags = {t: first[t] - due[t] for t in due}
    worst = max(lags.values(), key=abs)
    app.measure(f"on-time: arrival − run_at from {min(lags.values()) * 1000:+.0f} ms to "
                f"{max(lags.values()) * 1000:+.0f} ms over {len(lags)} tasks",
                worst_lag_ms=round(worst * 1000), spread_ms=round(
                    (max(lags.values()) - min(lags.values())) * 1000))
    late = {t: lag for t, lag in lags.items() if abs(lag) > TOLERANCE_S}
    if late:
        t, lag = max(late.items(), key=lambda kv: abs(kv[1]))
        what = ("the one due 30 s ago, which should run at once, ran"
                if t == past["id"] else f"the task due at {rfc3339(due[t])} ran")
        raise AssertionError(f"{len(late)} of {len(due)} echo tasks ran more than "
                       f"{TOLERANCE_S:g} s from their run_at: {what} {abs(lag):.1f} s "
                       f"{'early' if lag < 0 else 'late'} (task {t})")
    ahead = sorted((t for t in due if t != past["id"]), key=lambda t: due[t])
    order = sorted(ahead, key=lambda t: first[t])
    assert order == ahead, ("echo tasks due 1 s apart did not run in run_at order: "
                            f"expected {ahead}, they ran as {order}")
