"""state: a callback must carry the state the browser's own /login issued."""

from __future__ import annotations

from collections.abc import Callable

from kata.testing import requirement

from ._oidc import Browser, User, with_params


@requirement("state")
def test_a_different_state_is_refused(browser: Callable[[], Browser],
                                      user: Callable[[str], User]) -> None:
    b = browser()
    back = b.authorize(b.start_login(), user("ada"))
    forged = "x" + back.params["state"][1:] if back.params["state"][:1] != "x" else \
        "y" + back.params["state"][1:]
    b.refused(b.callback(with_params(back, state=forged)),
              "its code is genuine but its state is not the one /login issued")


@requirement("state")
def test_a_missing_state_is_refused(browser: Callable[[], Browser],
                                    user: Callable[[str], User]) -> None:
    b = browser()
    back = b.authorize(b.start_login(), user("ada"))
    b.refused(b.callback(with_params(back, state=None)), "its code is genuine but it has no state")


@requirement("state")
def test_a_callback_in_a_browser_that_started_no_login_is_refused(
        browser: Callable[[], Browser], user: Callable[[str], User]) -> None:
    # Login CSRF: an attacker signs in as himself and hands his callback URL to a victim.
    attacker, victim = browser(), browser()
    back = attacker.authorize(attacker.start_login(), user("mallory"))
    victim.refused(victim.callback(back),
                   "the callback URL of another browser's login, in a browser that never "
                   "visited /login")
