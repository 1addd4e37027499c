"""me: GET /me with the session a login handed out answers 200 {id, email}; without one,
or with one the app never issued, 401."""

from __future__ import annotations

from kata.testing import describe, requirement

from ._client import Api, expect, is_int, json_of, refused, said


@requirement("me", basic=True)
def test_me_answers_the_sessions_user(api: Api) -> None:
    account, session = api.user()
    r = api.me(session)
    expect(r, 200, why="the session the login handed out")
    user = json_of(r)
    if not isinstance(user, dict) or user.get("id") != account.id or not is_int(user["id"]):
        raise AssertionError(f"{said(r)} → expected the user registered with id {account.id}, "
                             f"got {describe(r)}")
    email = user.get("email")
    if not isinstance(email, str) or email.lower() != account.email:
        raise AssertionError(f"{said(r)} → expected email = {account.email!r}, got "
                             f"{describe(r)}")


@requirement("me")
def test_two_users_each_see_themselves(api: Api) -> None:
    (ann, ann_s), (bob, bob_s) = api.user(), api.user()
    for account, session in ((bob, bob_s), (ann, ann_s)):
        r = api.me(session)
        expect(r, 200)
        user = json_of(r)
        if not isinstance(user, dict) or user.get("id") != account.id:
            raise AssertionError(f"{said(r)} → expected the user with id {account.id} (each "
                                 f"session names its own user), got {describe(r)}")


@requirement("me")
def test_no_session_is_401(api: Api) -> None:
    refused(api.me(None), "no Authorization header and no cookie")


@requirement("me")
def test_a_session_the_app_never_issued_is_401(api: Api) -> None:
    _, session = api.user()
    refused(api.me(session.forged(api.hex(32))),
            "a token or cookie of the same form, made up by kata")
