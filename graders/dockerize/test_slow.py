"""slow and env-config: the app's two endpoints as the spec gives them, and a setting
(SLOW_MAX_MS) that the exercise's environment changes at run time."""

from __future__ import annotations

import time

from kata.testing import GradedApp, describe, expect, json_of, requirement, said


@requirement("slow", basic=True)  # what env-config and graceful-shutdown use
def test_slow_answers_after_the_delay(app: GradedApp) -> None:
    for ms in (200, 0):
        start = time.monotonic()
        r = app.http.get("/slow", params={"ms": str(ms)}, timeout=10)
        took = time.monotonic() - start
        expect(r, 200)
        body = json_of(r)
        assert isinstance(body, dict) and body.get("slept_ms") == ms, (
            f"{said(r)} → expected {{\"slept_ms\": {ms}}}, got {describe(r)}")
        assert took >= ms / 1000 - 0.01, (
            f"{said(r)} answered after {took * 1000:.0f} ms, before the {ms} ms it was asked "
            f"to wait")


@requirement("slow")
def test_slow_refuses_what_is_not_a_delay(app: GradedApp) -> None:
    for query, why in (({"ms": "-5"}, "a negative delay"), ({"ms": "abc"}, "not a number"),
                       ({"ms": "1.5"}, "not an integer"), ({}, "no ms")):
        r = app.http.get("/slow", params=query, timeout=10)
        expect(r, 400, 422, why=why)


@requirement("env-config")
def test_the_environment_sets_the_largest_delay(app: GradedApp) -> None:
    limit = int(app.env["SLOW_MAX_MS"])
    start = time.monotonic()
    r = app.http.get("/slow", params={"ms": str(limit + 1)}, timeout=limit / 1000 + 10)
    took = time.monotonic() - start
    assert r.status_code in (400, 422), (
        f"kata started the app with SLOW_MAX_MS={limit}, so {said(r)} must be refused (400 or "
        f"422); it answered {describe(r)} after {took:.1f} s — the app does not read "
        f"SLOW_MAX_MS from its environment")
    assert took < 2, (f"{said(r)} was refused only after {took:.1f} s: check the limit before "
                      f"waiting")
    expect(app.http.get("/slow", params={"ms": "50"}, timeout=10), 200, why="within the limit")
