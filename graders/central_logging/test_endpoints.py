"""endpoints: the few endpoints the logs are about (spec.md, "Endpoints")."""

from __future__ import annotations

from kata.testing import GradedApp, describe, expect, json_of, requirement


@requirement("endpoints")
def test_items(app: GradedApp) -> None:
    for n in (1, 100):
        r = app.http.get(f"/items/{n}")
        expect(r, 200, why="an item of 1 to 100")
        body = json_of(r)
        assert isinstance(body, dict) and body.get("id") == n and body.get("name") == f"item {n}", \
            f"GET /items/{n} → expected {{\"id\": {n}, \"name\": \"item {n}\"}}, got {describe(r)}"
    for bad in ("0", "101", "abc"):
        expect(app.http.get(f"/items/{bad}"), 404, why="no such item")


@requirement("endpoints")
def test_login(app: GradedApp) -> None:
    user, password = app.env["DEMO_USER"], app.env["DEMO_PASSWORD"]
    r = app.http.post("/login", json={"username": user, "password": password})
    expect(r, 200, why="the demo user's DEMO_USER and DEMO_PASSWORD")
    body = json_of(r)
    token = body.get("token") if isinstance(body, dict) else None
    assert isinstance(token, str) and token, \
        f"POST /login with the demo user → expected {{\"token\": \"…\"}}, got {describe(r)}"
    expect(app.http.post("/login", json={"username": user, "password": password + "x"}), 401,
           why="a wrong password")
    expect(app.http.post("/login", json={"username": user + "x", "password": password}), 401,
           why="an unknown user")
    expect(app.http.post("/login", json={"username": user}), 422, why="no password")
    expect(app.http.post("/login", json={"username": user, "password": 12345678}), 422,
           why="a number as password")
