"""The attacks: each is a requirement of its own. A request to a protected endpoint
without a valid token — none, not a JWT, expired, signed with another key, unsigned
(alg: none), edited without signing it again, or naming a deleted user — answers 401 with
a JSON detail. The forged tokens are made here (``_jwt``) from the spec's description."""

from __future__ import annotations

import time

import pytest

from kata.testing import describe, requirement

from . import _jwt
from ._client import Api, expect, expect_detail, refused, said

PROTECTED = [("GET", "/users/me"), ("GET", "/notes"), ("POST", "/notes"), ("GET", "/notes/1"),
             ("PUT", "/notes/1"), ("DELETE", "/notes/1"), ("DELETE", "/users/me")]


@requirement("no-token")
@pytest.mark.parametrize("method,path", PROTECTED, ids=[f"{m} {p}" for m, p in PROTECTED])
def test_no_authorization_header_is_401(api: Api, method: str, path: str) -> None:
    body = api.note_payload() if method in ("POST", "PUT") else None
    r = api.http.request(method, path, json=body)
    refused(r, "no Authorization header")


MALFORMED = {
    "the scheme alone": "Bearer",
    "one word": "Bearer not-a-jwt",
    "two parts": "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0",
    "parts that are not base64url": "Bearer ***.***.***",
    "base64url that is not JSON": "Bearer aGVsbG8.d29ybGQ.c2ln",
    "a header without alg": "Bearer e30.e30.",
    "four parts": "Bearer a.b.c.d",
    "another scheme": "Basic a2F0YTprYXRh",
}


@requirement("malformed-token")
@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_a_token_that_is_not_a_jwt_is_401(api: Api, case: str) -> None:
    r = api.http.get("/users/me", headers={"Authorization": MALFORMED[case]})
    refused(r, f"the bearer token is not a JWT: {case}")


@requirement("expired-token")
def test_an_expired_token_is_401(api: Api) -> None:
    user = api.user()
    now = int(time.time())
    token = api.forge(user, iat=now - 2 * 3600, exp=now - 3600)
    for path in ("/users/me", "/notes"):
        r = api.http.get(path, headers={"Authorization": f"Bearer {token}"})
        refused(r, "a token signed with JWT_SECRET whose exp was an hour ago")


@requirement("wrong-key")
def test_a_token_signed_with_another_key_is_401(api: Api) -> None:
    user = api.user()
    token = api.forge(user, key=api.other_key())
    for path in ("/users/me", "/notes"):
        r = api.http.get(path, headers={"Authorization": f"Bearer {token}"})
        refused(r, "a token signed (HS256) with another key than JWT_SECRET")


@requirement("alg-none")
@pytest.mark.parametrize("alg,signature", [("none", ""), ("none", "real"), ("NONE", "")],
                         ids=["alg none, no signature", "alg none, a real signature kept",
                              "alg NONE"])
def test_an_unsigned_token_is_401(api: Api, alg: str, signature: str) -> None:
    user = api.user()
    sig = _jwt.split(user.token)[2] if signature == "real" else ""
    token = _jwt.unsigned(api.claims(user), alg=alg, signature=sig)
    r = api.http.get("/users/me", headers={"Authorization": f"Bearer {token}"})
    refused(r, f'a token whose header says "alg": "{alg}" and which no key signed')


@requirement("tampered-payload")
def test_a_payload_edited_to_another_user_is_401(api: Api) -> None:
    user, victim = api.user(), api.user()
    claims = api.claims_of(user)
    token = _jwt.with_claims(user.token, {**claims, "sub": str(victim.id)})
    r = api.http.get("/users/me", headers={"Authorization": f"Bearer {token}"})
    if r.status_code == 200 and str(victim.id) in r.text:
        raise AssertionError(f"{said(r)} → a token of user #{user.id} whose sub was edited to "
                             f"#{victim.id} (the signature left as it was) let kata act as user "
                             f"#{victim.id}: {describe(r)}")
    refused(r, f"user #{user.id}'s token with sub edited to {victim.id}, not signed again")


@requirement("tampered-payload")
def test_a_payload_edited_to_expire_later_is_401(api: Api) -> None:
    user = api.user()
    claims = api.claims_of(user)
    later = {**claims, "exp": int(time.time()) + 365 * 24 * 3600}
    r = api.http.get("/users/me", headers={"Authorization":
                                           f"Bearer {_jwt.with_claims(user.token, later)}"})
    refused(r, "a real token whose exp was moved a year ahead, not signed again")


@requirement("deleted-user")
def test_a_deleted_users_token_is_401(api: Api) -> None:
    user = api.user()
    r = api.http.delete("/users/me", headers=user.auth)
    expect(r, 204, why="deleting the caller's own account")
    if r.content:
        raise AssertionError(f"{said(r)} → expected 204 with no body, got {describe(r)}")
    for path in ("/users/me", "/notes"):
        r = api.http.get(path, headers=user.auth)
        refused(r, f"user #{user.id} was deleted; the token has not expired yet")
    r = api.http.post("/auth/login", json={"username": user.username, "password": user.password})
    expect_detail(r, 401, f"logging in as user #{user.id}, who was deleted")
