"""login: the right password gets 200 and a session (a bearer token in the body, or a
cookie); a wrong password or an unknown email get 401 with a JSON detail."""

from __future__ import annotations

from kata.testing import requirement

from ._client import Api, expect, expect_detail


@requirement("login", basic=True)
def test_login_answers_200_with_a_session(api: Api) -> None:
    account = api.register()
    r = api.try_login(account.email, account.password)
    expect(r, 200, why="the password the user registered with")
    api.session_of(r)


@requirement("login")
def test_the_email_is_matched_without_letter_case(api: Api) -> None:
    account = api.register()
    r = api.try_login(account.email.upper(), account.password)
    expect(r, 200, why="the email as registered, in capitals: emails are compared without "
                       "letter case")
    api.session_of(r)


@requirement("login")
def test_a_wrong_password_is_401(api: Api) -> None:
    account = api.register()
    r = api.try_login(account.email, account.password + "x")
    expect_detail(r, 401, "the password is wrong")


@requirement("login")
def test_an_unknown_email_is_401(api: Api) -> None:
    r = api.try_login(api.email(), api.password())  # never registered
    expect_detail(r, 401, "no user has this email")
