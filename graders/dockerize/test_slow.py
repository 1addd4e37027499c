"""slow and env-config: the app's two endpoints as the spec gives them, and a setting
(SLOW_MAX_MS) that the exercise's environment changes at run time."""

from __future__ import annotations

import time

import httpx

from kata.testing import GradedApp, describe, expect_status, requirement


def _slept(r: httpx.Response) -> object:
    try:
        body = r.json()
    except ValueError:
        return None
    return body.get("slept_ms") if isinstance(body, dict) else None


@requirement("slow", basic=True)  # what env-config and graceful-shutdown use
def test_slow_answers_after_the_delay(app: GradedApp) -> None:
    for ms in (200, 0):
        start = time.monotonic()
        r = app.http.get("/slow", params={"ms": str(ms)}, timeout=10)
        took = time.monotonic() - start
        expect_status(r, 200)
        assert _slept(r) == ms, (
            f"GET /slow?ms={ms}: expected {{\"slept_ms\": {ms}}}, got {describe(r)}")
        assert took >= ms / 1000 - 0.01, (
            f"GET /slow?ms={ms} answered after {took * 1000:.0f} ms, before the {ms} ms it "
            f"was asked to wait")


@requirement("slow")
def test_slow_refuses_what_is_not_a_delay(app: GradedApp) -> None:
    for query in ({"ms": "-5"}, {"ms": "abc"}, {"ms": "1.5"}, {}):
        r = app.http.get("/slow", params=query, timeout=10)
        shown = "&".join(f"{k}={v}" for k, v in query.items()) or "(no ms)"
        assert r.status_code in (400, 422), (
            f"GET /slow?{shown}: expected 400 or 422, got {describe(r)}")


@requirement("env-config")
def test_the_environment_sets_the_largest_delay(app: GradedApp) -> None:
    limit = int(app.env["SLOW_MAX_MS"])
    start = time.monotonic()
    r = app.http.get("/slow", params={"ms": str(limit + 1)}, timeout=limit / 1000 + 10)
    took = time.monotonic() - start
    assert r.status_code in (400, 422), (
        f"kata started the app with SLOW_MAX_MS={limit}, so GET /slow?ms={limit + 1} must be "
        f"refused (400 or 422); it answered {describe(r)} after {took:.1f} s — the app does not "
        f"read SLOW_MAX_MS from its environment (or reads it from somewhere else)")
    assert took < 2, (f"GET /slow?ms={limit + 1} was refused only after {took:.1f} s: check "
                      f"the limit before waiting")
    r = app.http.get("/slow", params={"ms": "50"}, timeout=10)
    expect_status(r, 200)
