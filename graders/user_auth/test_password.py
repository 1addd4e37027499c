"""change-password: POST /auth/password {current_password, new_password} answers 204 and
ends every session of the user; the old password no longer logs in and the new one does;
a wrong current password answers 403 and changes nothing; a bad new password 422."""

from __future__ import annotations

from kata.testing import requirement

from ._client import Api, expect, expect_detail, refused


@requirement("change-password")
def test_a_password_change_ends_every_session(api: Api) -> None:
    account, first = api.user()
    second = api.login(account, why="a second session of the same user")
    new = api.password()
    r = api.http.post("/auth/password", headers=first.headers,
                      json={"current_password": account.password, "new_password": new})
    expect(r, 204, why="the right current password and a valid new one")
    refused(api.me(first), "the session that changed the password, kept from before")
    refused(api.me(second), "another session of the user, opened with the old password")


@requirement("change-password")
def test_the_new_password_replaces_the_old(api: Api) -> None:
    account, session = api.user()
    new = api.password()
    r = api.http.post("/auth/password", headers=session.headers,
                      json={"current_password": account.password, "new_password": new})
    expect(r, 204, why="the right current password and a valid new one")
    expect_detail(api.try_login(account.email, account.password), 401,
                  "the old password, after it was changed")
    r = api.try_login(account.email, new)
    expect(r, 200, why="the new password")
    expect(api.me(api.session_of(r)), 200, why="a session opened with the new password")


@requirement("change-password")
def test_a_wrong_current_password_is_403_and_changes_nothing(api: Api) -> None:
    account, session = api.user()
    r = api.http.post("/auth/password", headers=session.headers,
                      json={"current_password": account.password + "x",
                            "new_password": api.password()})
    expect_detail(r, 403, "the current password is wrong")
    r = api.try_login(account.email, account.password)
    expect(r, 200, why="the password is unchanged after a refused change")


@requirement("change-password")
def test_a_new_password_of_7_characters_is_422(api: Api) -> None:
    account, session = api.user()
    r = api.http.post("/auth/password", headers=session.headers,
                      json={"current_password": account.password, "new_password": "short-7"})
    expect(r, 422, why="the new password breaks the rules (8 to 72 bytes)")


@requirement("change-password")
def test_a_change_without_a_session_is_401(api: Api) -> None:
    account = api.register()
    refused(api.http.post("/auth/password", json={"current_password": account.password,
                                                  "new_password": api.password()}),
            "no Authorization header and no cookie")
