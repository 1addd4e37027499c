"""graceful-shutdown: kata starts GET /slow?ms=3000, sends the container SIGTERM while it is
in flight (docker stop, as an orchestrator does on a deploy), and waits up to 10 s before
SIGKILL. kata runs the container without an init of its own, so whatever is PID 1 in the
image is what receives the signal."""

from __future__ import annotations

import threading
import time

import httpx

from kata.testing import GradedApp, describe, requirement

IN_FLIGHT_MS = 3000
STOP_TIMEOUT_S = 10
CLEAN_EXITS = (0, 143)  # 143 = 128 + SIGTERM: ended by the signal kata sent, by convention


@requirement("graceful-shutdown")
def test_sigterm_lets_the_in_flight_request_finish(app: GradedApp) -> None:
    answer: dict[str, object] = {}
    client = app.client()  # a connection of its own, used only by the thread

    def in_flight() -> None:
        try:
            answer["response"] = client.get("/slow", params={"ms": str(IN_FLIGHT_MS)},
                                            timeout=IN_FLIGHT_MS / 1000 + STOP_TIMEOUT_S + 5)
        except httpx.HTTPError as e:  # the app cut the connection: the learner's failure
            answer["error"] = f"{type(e).__name__}: {e}"

    thread = threading.Thread(target=in_flight, daemon=True)
    thread.start()
    time.sleep(0.8)  # the request has reached the app and is waiting out its 3 s
    assert thread.is_alive(), (
        f"GET /slow?ms={IN_FLIGHT_MS} ended before kata sent SIGTERM: "
        f"{answer.get('error') or describe(answer['response'])}")  # type: ignore[arg-type]
    stopped = app.stop(timeout_s=STOP_TIMEOUT_S)
    thread.join(timeout=IN_FLIGHT_MS / 1000 + STOP_TIMEOUT_S + 10)
    # Started again: the contract stage counts an app found exited after a requirement's
    # tests as that requirement's error, even when kata's own stop ended it.
    app.restart()
    app.measure(stop_s=round(stopped.seconds, 2))
    problems = []
    response = answer.get("response")
    if not isinstance(response, httpx.Response):
        problems.append(f"the in-flight GET /slow?ms={IN_FLIGHT_MS} did not complete: "
                        f"{answer.get('error', 'no answer')} — the app quit without letting "
                        f"it finish")
    elif response.status_code != 200:
        problems.append(f"the in-flight GET /slow?ms={IN_FLIGHT_MS} answered "
                        f"{describe(response)}, not 200")
    if stopped.killed:
        problems.append(f"the container was still running {STOP_TIMEOUT_S} s after SIGTERM "
                        f"and kata killed it (SIGKILL): the signal never reached the server "
                        f"(is PID 1 a shell? a shell-form CMD runs /bin/sh -c, which ignores "
                        f"it) or the server ignores it")
    elif stopped.exit_code not in CLEAN_EXITS:
        problems.append(f"after SIGTERM the container exited with status {stopped.exit_code} "
                        f"(after {stopped.seconds:.1f} s), not 0")
    assert not problems, "; ".join(problems)
