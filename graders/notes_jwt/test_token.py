"""token: the access token is an HS256 JWT signed with JWT_SECRET whose sub is the user's
id and whose exp is 15 minutes to 24 hours ahead; the app accepts it, and a token kata
signs the same way, on GET /users/me."""

from __future__ import annotations

import time

from kata.testing import describe, requirement, trim

from . import _jwt
from ._client import (
    MAX_LIFETIME_S,
    MIN_LIFETIME_S,
    SLACK_S,
    Api,
    User,
    expect,
    is_int,
    json_of,
    said,
)


def _me(api: Api, user: User, token: str, whose: str) -> None:
    r = api.http.get("/users/me", headers={"Authorization": f"Bearer {token}"})
    expect(r, 200, why=whose)
    me = json_of(r)
    if not isinstance(me, dict) or me.get("id") != user.id or me.get("username") != user.username:
        raise AssertionError(f"{said(r)} ({whose}) → expected {{\"id\": {user.id}, "
                             f"\"username\": \"{user.username}\"}}, got {describe(r)}")


@requirement("token", basic=True)
def test_the_login_token_is_an_hs256_jwt_of_the_user(api: Api) -> None:
    user = api.user()
    shown = trim(user.token, 80)
    try:
        header, claims, _ = _jwt.read(user.token)
    except _jwt.NotAJwt as e:
        raise AssertionError(f"the access token {shown!r} is not a JWT "
                             f"(header.payload.signature, base64url JSON): {e}") from None
    if header.get("alg") != "HS256":
        raise AssertionError(f"the access token's header is {header}: expected alg HS256")
    if not _jwt.signed_with(user.token, api.secret):
        raise AssertionError(f"the access token {shown!r} is not signed with the key in "
                             "JWT_SECRET (HMAC-SHA256 over header.payload, the key's UTF-8 bytes)")
    if claims.get("sub") != str(user.id):
        raise AssertionError(f"the access token's claims are {trim(str(claims), 200)}: expected "
                             f'sub = "{user.id}" (the user\'s id, as a string)')
    exp = claims.get("exp")
    if not is_int(exp):
        raise AssertionError(f"the access token's claims are {trim(str(claims), 200)}: expected "
                             "exp, an integer (seconds since 1970)")
    ahead = exp - time.time()
    if not MIN_LIFETIME_S - SLACK_S <= ahead <= MAX_LIFETIME_S + SLACK_S:
        raise AssertionError(f"the access token expires {ahead / 60:.0f} minutes after it was "
                             "issued: expected 15 minutes to 24 hours")
    _me(api, user, user.token, "the access token login answered")


@requirement("token")
def test_a_token_kata_signs_with_jwt_secret_is_accepted(api: Api) -> None:
    user = api.user()
    _me(api, user, api.forge(user), "a token kata signed with JWT_SECRET, HS256, "
                                    "sub = the user's id, exp in 30 minutes")
