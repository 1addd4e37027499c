"""id-token: the app verifies the id_token; a defective one logs no one in.

kata's provider has a test-only control endpoint (POST /_kata/next-id-token): the next
token response then carries an id_token with one defect, every other claim as usual."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from kata.testing import requirement

from ._oidc import DEFECTS, Browser, Provider, User

WHAT = {
    "signature": "signed by a key the provider does not publish (same kid)",
    "audience": "whose aud is another client",
    "issuer": "whose iss is another provider",
    "expired": "that expired 5 minutes ago",
}


@requirement("id-token")
@pytest.mark.parametrize("defect", DEFECTS)
def test_a_defective_id_token_is_refused(defect: str, browser: Callable[[], Browser],
                                         provider: Provider,
                                         user: Callable[[str], User]) -> None:
    b = browser()
    back = b.authorize(b.start_login(), user("ada"))
    with provider.defective_id_token(defect):
        r = b.callback(back)
    b.refused(r, f"the token endpoint answered with an id_token {WHAT[defect]}")
