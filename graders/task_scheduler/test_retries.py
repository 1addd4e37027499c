"""retries: fail-n-times tasks are retried after RETRY_BASE_MS × 2^(k-1) (k = 1, 2, …),
up to MAX_ATTEMPTS attempts. Each attempt POSTs to the task's url first, so kata's
recorder times the gaps (the host's monotonic clock)."""

from __future__ import annotations

import time

from kata.testing import GradedApp, requirement

from ._client import Api, Call, Hooks

EARLY_S = 0.1  # a gap may be this much shorter than the backoff (clock and poll jitter)
LATE_S = 1.0  # and this much longer (a due task runs within 1 s: on-time's tolerance)


def gaps_problem(calls: list[Call], base_s: float) -> str:
    monos = [c.mono for c in calls]
    for k, (a, b) in enumerate(zip(monos, monos[1:]), start=1):
        want = base_s * 2 ** (k - 1)
        gap = b - a
        if not want - EARLY_S <= gap <= want + LATE_S:
            return (f"retry {k} came {gap:.2f} s after attempt {k}: expected "
                    f"{want:g} s (RETRY_BASE_MS × 2^{k - 1}), from {want - EARLY_S:.2f} to "
                    f"{want + LATE_S:.2f} s")
    return ""


@requirement("retries")
def test_failing_tasks_back_off_exponentially_then_succeed_or_fail(
        app: GradedApp, api: Api, hooks: Hooks) -> None:
    base_s = int(app.env.get("RETRY_BASE_MS", "500")) / 1000
    max_attempts = int(app.env.get("MAX_ATTEMPTS", "4"))
    heals, never = api.hook(), api.hook()
    healing = api.submit("fail-n-times", {"n": 2, "url": Hooks.url(heals)})
    failing = api.submit("fail-n-times", {"n": 10, "url": Hooks.url(never)})
    budget = base_s * (2 ** max_attempts) + LATE_S * max_attempts + 5
    ended = api.settled([healing["id"], failing["id"]], budget)
    time.sleep(2 * base_s)  # a retry after the last attempt would come by now
    for task, path, n, want_status, want_attempts in (
            (healing, heals, 2, "succeeded", 3),
            (failing, never, 10, "failed", max_attempts)):
        got = ended[task["id"]]
        calls = hooks.calls(path)
        what = f"a fail-n-times task with n = {n} ({task['id']})"
        assert (got["status"], got["attempts"]) == (want_status, want_attempts), (
            f"{what}, {budget:g} s after it was submitted → expected status "
            f"\"{want_status}\" and attempts {want_attempts}, got {got['status']!r} and "
            f"{got['attempts']!r}")
        assert len(calls) == want_attempts, (
            f"{what} made {len(calls)} attempts (POSTs to its url): expected "
            f"{want_attempts}" + (f" (MAX_ATTEMPTS = {max_attempts})" if n == 10 else ""))
        problem = gaps_problem(calls, base_s)
        gaps = [round(b.mono - a.mono, 2) for a, b in zip(calls, calls[1:])]
        app.measure(f"{what}: gaps between attempts {gaps} s")
        assert not problem, f"{what}: {problem}"
