"""Faults on kata's side while it grades: a service dies, or Ctrl-C lands while the
services start. Neither may pass for the learner's failure or leave anything behind."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest
from hostile.support import (  # noqa: F401  (hostile_session: the end-of-session check)
    HOST,
    REPOS,
    RUNS,
    client,
    exercise,
    grade_repo,
    hostile_session,
    verdict,
    wait_gone,
)

from kata.catalog.models import Service
from kata.errors import ExitCode, ServiceDied
from kata.events import Event, PhaseStarted
from kata.sandbox.housekeeping import PID_LABEL

pytestmark = [pytest.mark.docker, pytest.mark.slow]

POSTGRES = Service(
    image="postgres:15",
    env={"POSTGRES_USER": "kata", "POSTGRES_PASSWORD": "kata", "POSTGRES_DB": "kata"},
    ready=["psql", "-U", "kata", "-d", "kata", "-tAc", "select 1"],
    ready_timeout_s=60,
    exports={"DATABASE_URL": "postgresql://kata:kata@{host}:5432/kata"},
)


def _my_service(name: str):
    owner = f"{PID_LABEL}={HOST}:{os.getpid()}"
    found = client().containers.list(filters={"label": [owner, f"kata.role=service:{name}"]})
    assert len(found) == 1, found
    return found[0]


def test_a_service_that_dies_mid_grade_is_kata_s_error_not_the_learner_s():
    before = set(RUNS)

    def kill_db(event: Event) -> None:
        if isinstance(event, PhaseStarted) and event.phase == "contract":
            _my_service("db").kill()  # as if PostgreSQL crashed or was OOM-killed

    start = time.monotonic()
    with pytest.raises(ServiceDied) as died:
        grade_repo(REPOS / "well", {"ping", "work-1"}, exercise(services={"db": POSTGRES}),
                   emit=kill_db)
    took = time.monotonic() - start
    assert "'db' stopped" in died.value.message, died.value.message
    assert died.value.exit_code == ExitCode.ENVIRONMENT  # `kata grade` exits 4
    runs = RUNS - before  # grade_repo notes each run id it starts
    assert len(runs) == 1 and not wait_gone(runs)
    assert took < 30  # PostgreSQL starts in ~2 s here
    verdict("service-dies", f"ServiceDied (exit 4): {died.value.message[:60]}…", took)


def test_ctrl_c_while_the_services_start():
    before = set(RUNS)
    timers: list[threading.Timer] = []

    def interrupt_soon(event: Event) -> None:
        if isinstance(event, PhaseStarted) and event.phase == "services":
            t = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT))
            timers.append(t)
            t.start()

    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    start = time.monotonic()
    try:
        with pytest.raises(KeyboardInterrupt):
            grade_repo(REPOS / "well", {"ping"}, exercise(services={"db": POSTGRES}),
                       emit=interrupt_soon)
    finally:
        for t in timers:
            t.cancel()
        signal.signal(signal.SIGINT, previous)
    took = time.monotonic() - start
    runs = RUNS - before
    assert len(runs) == 1 and not wait_gone(runs)
    assert took < 15
    verdict("SIGINT at services", "KeyboardInterrupt out of the engine; nothing left", took)
