"""register: POST /auth/register answers 201 with {id, email}; an email that has an account,
in any letter case, 409; a body that breaks the rules 422."""

from __future__ import annotations

from typing import Any

import pytest

from kata.testing import describe, requirement

from ._client import Api, expect, expect_detail, is_int, json_of, said


@requirement("register", basic=True)
def test_register_answers_201_with_the_user(api: Api) -> None:
    creds = api.credentials()
    r = api.http.post("/auth/register", json=creds)
    expect(r, 201, why="a new email and a valid password")
    user = json_of(r)
    if not isinstance(user, dict) or not is_int(user.get("id")) or user["id"] < 1:
        raise AssertionError(f'{said(r)} → expected {{"id": <integer ≥ 1>, "email": …}}, got '
                             f"{describe(r)}")
    email = user.get("email")
    if not isinstance(email, str) or email.lower() != creds["email"]:
        raise AssertionError(f"{said(r)} → expected email = {creds['email']!r}, got "
                             f"{email!r}: {describe(r)}")


@requirement("register")
def test_an_email_with_an_account_is_409(api: Api) -> None:
    creds = api.credentials()
    api.register(creds)
    r = api.http.post("/auth/register", json={**creds, "password": api.password()})
    expect_detail(r, 409, "this email was registered just before")


@requirement("register")
def test_the_same_email_in_other_letter_case_is_409(api: Api) -> None:
    creds = api.credentials()
    api.register(creds)
    local, _, domain = creds["email"].partition("@")
    shouted = f"{local.upper()}@{domain.upper()}"
    r = api.http.post("/auth/register", json={"email": shouted, "password": api.password()})
    expect_detail(r, 409, f"{creds['email']} has an account: emails are compared without "
                          "letter case")


def _bad_bodies(api: Api) -> dict[str, Any]:
    creds = api.credentials()
    return {
        "no password": {"email": creds["email"]},
        "no email": {"password": creds["password"]},
        "a password of 7 characters": {**creds, "password": "short-7"},
        "a password of 73 bytes": {**creds, "password": "p" * 73},
        "a password of 37 characters but 74 bytes": {**creds, "password": "é" * 37},
        "an email without @": {**creds, "email": "kata.example.com"},
        "an email with a space": {**creds, "email": "kata user@example.com"},
        "an email that is a number": {**creds, "email": 12345},
    }


@requirement("register")
@pytest.mark.parametrize("case", ["no password", "no email", "a password of 7 characters",
                                  "a password of 73 bytes",
                                  "a password of 37 characters but 74 bytes",
                                  "an email without @", "an email with a space",
                                  "an email that is a number"])
def test_a_bad_body_is_422(api: Api, case: str) -> None:
    r = api.http.post("/auth/register", json=_bad_bodies(api)[case])
    expect(r, 422, why=case)


@requirement("register")
def test_a_password_of_72_bytes_is_taken(api: Api) -> None:
    creds = {"email": api.email(), "password": "é" * 36}  # 36 characters, 72 bytes
    r = api.http.post("/auth/register", json=creds)
    expect(r, 201, why="a password of exactly 72 bytes (36 × é) is within the rules")


@requirement("register")
def test_a_body_that_is_not_json_is_422(api: Api) -> None:
    r = api.http.post("/auth/register", content=b'{"email": "kata@example.com", "password": ',
                      headers={"content-type": "application/json"})
    expect(r, 422, why="the body is not valid JSON")
