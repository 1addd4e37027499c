"""code-replay and redirect-uri: codes the provider refuses must not log anyone in."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from kata.testing import requirement

from ._oidc import OTHER_REDIRECT_URI, REDIRECT_URI, Browser, User, with_params


@requirement("code-replay")
def test_a_replayed_code_is_refused(browser: Callable[[], Browser],
                                    user: Callable[[str], User]) -> None:
    first, second = browser(), browser()
    back = first.authorize(first.start_login(), user("ada"))
    first.callback(back)  # the code's one use (the callback requirement checks it works)
    auth = second.start_login()
    replay = with_params(back, state=auth.params.get("state", ""))
    second.refused(second.callback(replay),
                   "its code was already exchanged by another browser's login; the state is "
                   "this browser's own")


@requirement("redirect-uri")
def test_a_code_for_another_redirect_uri_is_refused(browser: Callable[[], Browser],
                                                    user: Callable[[str], User]) -> None:
    victim, attacker = browser(), browser()
    auth = victim.start_login()
    # The same authorization request (state, nonce, PKCE challenge) but for the client's
    # other registered redirect URI: only the redirect URI is wrong.
    elsewhere = with_params(auth.url, redirect_uri=OTHER_REDIRECT_URI)
    back = attacker.authorize(elsewhere, user("mallory"))
    # The attacker hands that code to the victim's callback, with the victim's own state.
    at_app = with_params(httpx.URL(REDIRECT_URI), code=back.params["code"],
                         state=auth.params.get("state", ""), iss=back.params.get("iss"))
    victim.refused(victim.callback(at_app),
                   f"its code was issued for redirect_uri={OTHER_REDIRECT_URI}")
