"""endpoints: the few endpoints the logs are about (spec.md, "Endpoints")."""

from __future__ import annotations

from kata.testing import GradedApp, describe, expect_status, requirement


@requirement("endpoints")
def test_items(app: GradedApp) -> None:
    for n in (1, 100):
        r = app.http.get(f"/items/{n}")
        expect_status(r, 200)
        try:
            body = r.json()
        except ValueError:
            body = None
        assert isinstance(body, dict) and body.get("id") == n and body.get("name") == f"item {n}", \
            f"GET /items/{n} → expected {{\"id\": {n}, \"name\": \"item {n}\"}}, got {describe(r)}"
    for bad in ("0", "101", "abc"):
        expect_status(app.http.get(f"/items/{bad}"), 404)


@requirement("endpoints")
def test_login(app: GradedApp) -> None:
    user, password = app.env["DEMO_USER"], app.env["DEMO_PASSWORD"]
    r = app.http.post("/login", json={"username": user, "password": password})
    expect_status(r, 200)
    try:
        token = r.json().get("token")
    except (ValueError, AttributeError):
        token = None
    assert isinstance(token, str) and token, \
        f"POST /login with the demo user → expected {{\"token\": \"…\"}}, got {describe(r)}"
    expect_status(app.http.post("/login", json={"username": user, "password": password + "x"}),
                  401)
    expect_status(app.http.post("/login", json={"username": user + "x", "password": password}),
                  401)
    expect_status(app.http.post("/login", json={"username": user}), 422)
    expect_status(app.http.post("/login", json={"username": user, "password": 12345678}), 422)
