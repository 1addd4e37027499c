"""The readiness wait ends early once the app's state cannot change (a steady client error,
a listener kata cannot reach), and not while the state still moves (pure: a scripted probe
and the fake app; the fixture repos in test_diagnoses_docker.py time it for real)."""

from __future__ import annotations

import time

import pytest

from kata import readiness
from kata.catalog.models import Readiness
from kata.errors import NeverReady
from kata.sandbox.fake import FakeApp


@pytest.fixture
def scripted(monkeypatch):
    """A probe that answers what the test scripts, and short steady times."""
    monkeypatch.setattr(readiness, "STEADY_ANSWER_S", 0.6)
    monkeypatch.setattr(readiness, "STEADY_LISTENER_S", 0.6)
    answers: list[str | None] = []

    def probe(app, r):
        return answers.pop(0) if len(answers) > 1 else answers[0]

    monkeypatch.setitem(readiness.PROBES, "http", probe)
    return answers


def _wait(app, timeout_s=4.0) -> tuple[float, NeverReady | None]:
    start = time.monotonic()
    try:
        readiness.wait_ready(app, Readiness(probe="http", timeout_s=timeout_s))
    except NeverReady as e:
        return time.monotonic() - start, e
    return time.monotonic() - start, None


def test_a_steady_client_error_ends_the_wait(scripted):
    scripted.append("GET /health answered 404, expected 200")
    took, e = _wait(FakeApp(port=8000, listen=[("0.0.0.0", 8000)]))
    assert e is not None and took < 2.0, took
    assert "GET /health answered 404" in e.message and "the same" in e.message


def test_a_changing_answer_or_a_server_error_is_waited_for(scripted):
    # 503 while warming up is the app's way to say "not yet": it may change
    scripted.append("GET /health answered 503")
    took, e = _wait(FakeApp(port=8000, listen=[("0.0.0.0", 8000)]), timeout_s=2.0)
    assert e is not None and took >= 2.0 and "within 2 s" in e.message
    # 404, then 401, then ready: each new answer restarts the clock
    scripted[:] = ["GET /h answered 404"] * 2 + ["GET /h answered 401"] * 2 + [None]
    assert _wait(FakeApp(port=8000, listen=[("0.0.0.0", 8000)]))[1] is None


@pytest.mark.parametrize("listen", [[("127.0.0.1", 8000)], [("0.0.0.0", 5000)],
                                    [("::1", 8000), ("0.0.0.0", 9000)]])
def test_a_listener_kata_cannot_reach_ends_the_wait(scripted, listen):
    scripted.append("GET /health: ConnectError")
    took, e = _wait(FakeApp(port=8000, listen=listen))
    assert e is not None and took < 2.5, took
    assert "listens only on" in e.message and f"{listen[0][0]}:{listen[0][1]}" in e.message


@pytest.mark.parametrize("listen", [None, [], [("0.0.0.0", 8000)], [("172.18.0.5", 8000)]])
def test_no_listener_yet_or_a_reachable_one_is_waited_for(scripted, listen):
    scripted.append("GET /health: ConnectError")
    took, e = _wait(FakeApp(port=8000, listen=listen), timeout_s=2.0)
    assert e is not None and took >= 2.0 and "within 2 s" in e.message
