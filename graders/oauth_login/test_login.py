"""login: GET /login sends the browser to the provider's authorization endpoint."""

from __future__ import annotations

from collections.abc import Callable

from kata.testing import requirement

from ._oidc import CLIENT_ID, REDIRECT_URI, Browser, said

MIN_STATE = 16  # characters: 128 random bits are 22 in base64url, 32 in hex


@requirement("login", basic=True)  # what every other requirement's login relies on
def test_login_redirects_to_the_authorization_endpoint(browser: Callable[[], Browser]) -> None:
    auth = browser().start_login()
    where = f"{said(auth.response)} → Location: …?{auth.url.query.decode()[:300]}"
    want = {"response_type": "code", "client_id": CLIENT_ID, "redirect_uri": REDIRECT_URI}
    for name, value in want.items():
        got = auth.params.get(name)
        assert got == value, f"{where}: expected {name}={value}, got {got!r}"
    scopes = auth.params.get("scope", "").split()
    assert "openid" in scopes, f"{where}: expected a scope with openid (and email), got {scopes}"
    state = auth.params.get("state", "")
    assert len(state) >= MIN_STATE, (
        f"{where}: expected a state of at least {MIN_STATE} random characters, got {state!r}")


@requirement("login")
def test_every_login_gets_a_new_state(browser: Callable[[], Browser]) -> None:
    one = browser()
    states = [one.start_login().params.get("state"), one.start_login().params.get("state"),
              browser().start_login().params.get("state")]
    assert len(set(states)) == len(states), (
        f"three GET /login (two in one browser, one in another) gave the states {states}: "
        "each must be new and unguessable")
