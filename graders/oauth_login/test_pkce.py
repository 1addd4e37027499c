"""pkce (bonus): /login sends an S256 code_challenge; the callback proves it."""

from __future__ import annotations

import re
from collections.abc import Callable

from kata.testing import requirement

from ._oidc import Browser, User

CHALLENGE = re.compile(r"[A-Za-z0-9_-]{43}")  # BASE64URL(SHA-256(verifier)), no padding


@requirement("pkce")
def test_login_sends_a_fresh_s256_challenge_and_proves_it(
        browser: Callable[[], Browser], user: Callable[[str], User]) -> None:
    b = browser()
    auth = b.start_login()
    other = browser().start_login()
    challenge = auth.params.get("code_challenge", "")
    method = auth.params.get("code_challenge_method")
    assert CHALLENGE.fullmatch(challenge) and method == "S256", (
        f"GET /login → Location: …?{auth.url.query.decode()[:300]}: expected "
        f"code_challenge=<43 base64url characters> and code_challenge_method=S256, got "
        f"{challenge!r} and {method!r}")
    assert other.params.get("code_challenge") != challenge, (
        "two GET /login gave the same code_challenge: make a new code_verifier every login")
    # The provider checks the code_verifier against this challenge before it issues tokens.
    r = b.callback(b.authorize(auth, user("ada")))
    assert r.status_code < 400, (
        f"the login whose /login sent code_challenge={challenge}: the callback answered "
        f"{r.status_code}; the provider refuses a code_verifier that does not match")
    me = b.me()
    assert me.status_code == 200, "after the login with PKCE, GET /me answered " \
                                  f"{me.status_code}: the provider refused the code_verifier?"
