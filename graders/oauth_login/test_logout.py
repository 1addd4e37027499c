"""logout: POST /logout ends the session on the server, not only in the browser."""

from __future__ import annotations

from collections.abc import Callable

from kata.testing import requirement

from ._oidc import Browser, User, expect


@requirement("logout")
def test_logout_ends_the_session(browser: Callable[[], Browser],
                                 user: Callable[[str], User]) -> None:
    b, copy = browser(), browser()
    ada = user("ada")
    b.login(ada)
    b.copy_cookies_to(copy)  # what someone who copied the cookie keeps
    expect(b.post("/logout"), 200, 204, 302, 303, why=f"{ada.email} is signed in")
    expect(b.me(), 401, why="after POST /logout in this browser")
    expect(copy.me(), 401, why="with a copy of the session cookie taken before POST /logout: "
                               "the session must end on the server")
