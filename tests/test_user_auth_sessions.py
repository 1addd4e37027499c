"""user-auth's grader helpers that need no Docker: how kata takes a session from a login
answer (a bearer token in the body, else the cookies set) and what it sends back, and how
a database row's values are read (bytea holding text included)."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import httpx
import pytest
from _graders import grader_module

GRADERS = Path(__file__).resolve().parent.parent / "graders" / "user_auth"


def _load(name: str) -> ModuleType:
    return grader_module("user_auth", name)


client = _load("_client")
db = _load("_db")


def _login_answer(body: object, cookies: list[str]) -> httpx.Response:
    request = httpx.Request("POST", "http://app:8000/auth/login")
    headers = [("content-type", "application/json"), *(("set-cookie", c) for c in cookies)]
    return httpx.Response(200, json=body, headers=headers, request=request)


def test_a_token_in_the_body_is_sent_back_as_bearer_even_beside_a_cookie() -> None:
    r = _login_answer({"access_token": "t0k", "token_type": "bearer"}, ["sid=abc; HttpOnly"])
    session = client.Api.session_of(r)
    assert session.headers == {"Authorization": "Bearer t0k"}


def test_without_a_token_every_cookie_set_is_sent_back_attributes_dropped() -> None:
    r = _login_answer({"id": 1}, ["sid=s%3Aabc.def; Path=/; HttpOnly; Secure",
                                  "csrf=x1; SameSite=Strict", "old=; Max-Age=0",
                                  "gone=v; Max-Age=0", "junk"])
    session = client.Api.session_of(r)
    assert session.headers == {"Cookie": "csrf=x1; sid=s%3Aabc.def"}
    forged = session.forged("0123456789abcdef")
    assert forged.headers["Cookie"] != session.headers["Cookie"]
    assert [k for k, _ in forged.cookies] == ["csrf", "sid"]


def test_a_login_with_neither_fails_with_what_came_back() -> None:
    with pytest.raises(AssertionError, match="neither"):
        client.Api.session_of(_login_answer({"ok": True}, []))


def test_row_values_are_read_as_text_bytea_decoded() -> None:
    bcrypt = "$2b$10$XiN7n/3I57K6bOvw3JVXM.ZEPOU/s7M15cJAx2VlAFbIE22Ms9y4C"
    row = db.Row("public.users", {"id": 3, "email": "Ann@Example.com",
                                  "hash": "\\x" + bcrypt.encode().hex(), "meta": {"n": [1, "x"]},
                                  "gone": None, "flag": True})
    texts = row.strings()
    assert ("hash", bcrypt) in texts and ("id", "3") in texts and ("meta", "x") in texts
    assert row.holds("ann@example.com") and not row.holds("bob@example.com")
