"""callback: the provider's redirect back logs the user in; /me shows who it is."""

from __future__ import annotations

from collections.abc import Callable

from kata.testing import requirement

from ._oidc import Browser, User, expect, shows_user


@requirement("callback", basic=True)  # what every attack check starts from
def test_login_then_me_shows_the_user(browser: Callable[[], Browser],
                                      user: Callable[[str], User]) -> None:
    browser().login(user("ada"))  # /login, the provider, /callback, then /me


@requirement("callback")
def test_me_without_a_session_is_401(browser: Callable[[], Browser]) -> None:
    fresh = browser()
    expect(fresh.me(), 401, why="this browser never logged in")
    fresh.to_app.cookies.set("session", "not-a-session-id")
    expect(fresh.me(), 401, why="a session cookie the app never issued")


@requirement("callback")
def test_two_users_each_see_themselves(browser: Callable[[], Browser],
                                       user: Callable[[str], User]) -> None:
    ada, bob = user("ada"), user("bob")
    first, second = browser(), browser()
    first.login(ada)
    second.login(bob)
    r = first.me()
    expect(r, 200, why=f"{ada.email} is still signed in while {bob.email} signed in elsewhere")
    shows_user(r, ada)
