"""login: the right password gets 200 and an access token; a wrong password or an
unknown username get 401 with a JSON detail."""

from __future__ import annotations

from kata.testing import describe, requirement

from ._client import Api, expect, expect_detail, json_of, said


@requirement("login", basic=True)
def test_login_answers_200_with_a_bearer_token(api: Api) -> None:
    user = api.register()
    r = api.http.post("/auth/login", json={"username": user.username,
                                           "password": user.password})
    expect(r, 200, why="the password the user registered with")
    answer = json_of(r)
    token = answer.get("access_token") if isinstance(answer, dict) else None
    kind = answer.get("token_type") if isinstance(answer, dict) else None
    if not isinstance(token, str) or not token or not isinstance(kind, str) \
            or kind.lower() != "bearer":
        raise AssertionError(f'{said(r)} → expected {{"access_token": "…", "token_type": '
                             f'"bearer"}}, got {describe(r)}')


@requirement("login")
def test_a_wrong_password_is_401(api: Api) -> None:
    user = api.register()
    r = api.http.post("/auth/login", json={"username": user.username,
                                           "password": user.password + "x"})
    expect_detail(r, 401, "the password is wrong")


@requirement("login")
def test_an_unknown_username_is_401(api: Api) -> None:
    creds = api.credentials()  # never registered
    r = api.http.post("/auth/login", json=creds)
    expect_detail(r, 401, "no user has this username")
