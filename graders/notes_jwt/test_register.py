"""register: POST /auth/register answers 201 with {id, username}; a taken username 409;
a body that breaks the rules 422."""

from __future__ import annotations

from typing import Any

import pytest

from kata.testing import describe, requirement

from ._client import Api, expect, expect_detail, is_int, json_of, said


@requirement("register", basic=True)
def test_register_answers_201_with_the_user(api: Api) -> None:
    creds = api.credentials()
    r = api.http.post("/auth/register", json=creds)
    expect(r, 201, why="a new username and a valid password")
    user = json_of(r)
    if not isinstance(user, dict) or not is_int(user.get("id")) or user["id"] < 1:
        raise AssertionError(f'{said(r)} → expected {{"id": <integer ≥ 1>, "username": …}}, '
                             f"got {describe(r)}")
    if user.get("username") != creds["username"]:
        raise AssertionError(f"{said(r)} → expected username = {creds['username']!r}, got "
                             f"{user.get('username')!r}: {describe(r)}")


@requirement("register")
def test_a_taken_username_is_409(api: Api) -> None:
    creds = api.credentials()
    api.register(creds)
    again = {**creds, "password": api.credentials()["password"]}
    r = api.http.post("/auth/register", json=again)
    expect_detail(r, 409, "this username was registered just before")


def _bad_bodies(api: Api) -> dict[str, Any]:
    creds = api.credentials()
    return {
        "no password": {"username": creds["username"]},
        "a password of 7 characters": {**creds, "password": "short-7"},
        "a password of 129 characters": {**creds, "password": "p" * 129},
        "a username with a space": {**creds, "username": "kata user"},
        "a username of 2 characters": {**creds, "username": "ab"},
        "a username of 33 characters": {**creds, "username": "k" * 33},
        "a username that is a number": {**creds, "username": 12345},
    }


@requirement("register")
@pytest.mark.parametrize("case", ["no password", "a password of 7 characters",
                                  "a password of 129 characters", "a username with a space",
                                  "a username of 2 characters", "a username of 33 characters",
                                  "a username that is a number"])
def test_a_bad_body_is_422(api: Api, case: str) -> None:
    r = api.http.post("/auth/register", json=_bad_bodies(api)[case])
    expect(r, 422, why=case)


@requirement("register")
def test_a_body_that_is_not_json_is_422(api: Api) -> None:
    r = api.http.post("/auth/register", content=b'{"username": "kata_x", "password": ',
                      headers={"content-type": "application/json"})
    expect(r, 422, why="the body is not valid JSON")
