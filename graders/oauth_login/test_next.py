"""next: after the login the callback goes back to ?next= — only when it is a same-site path."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from kata.testing import requirement, trim

from ._oidc import SITE, Browser, User, origin, resolve, said

OPEN_REDIRECTS = {
    "absolute": "https://evil.example/steal",
    "scheme-relative": "//evil.example/steal",
    "backslash": "/\\evil.example/steal",
    "javascript": "javascript:alert(1)",
}


def landing(r: httpx.Response) -> httpx.URL:
    """Where the callback's redirect takes a browser."""
    location = r.headers.get("location")
    assert r.status_code in (301, 302, 303, 307, 308) and location, (
        f"{said(r)} → expected a redirect after the login, got {r.status_code} "
        f"{trim(location or '', 100)}")
    return resolve(location, SITE.join("/callback"))


@requirement("next")
def test_next_brings_the_user_back(browser: Callable[[], Browser],
                                   user: Callable[[str], User]) -> None:
    r = browser().login(user("ada"), next="/me?from=next")
    to = landing(r)
    want = SITE.join("/me?from=next")
    assert to == want, (f"GET /login?next=/me?from=next, then the provider's redirect: "
                        f"{said(r)} → Location: {r.headers.get('location')}; expected {want}")


@requirement("next")
@pytest.mark.parametrize("kind", OPEN_REDIRECTS)
def test_next_elsewhere_goes_home(kind: str, browser: Callable[[], Browser],
                                  user: Callable[[str], User]) -> None:
    bad = OPEN_REDIRECTS[kind]
    r = browser().login(user("ada"), next=bad)
    to = landing(r)
    assert origin(to) == origin(SITE) and to.raw_path == b"/", (
        f"GET /login?next={bad}, then the provider's redirect: {said(r)} → Location: "
        f"{trim(r.headers.get('location', ''), 120)}, which a browser reads as {to}: an open "
        f"redirect; expected / (next must be a path on this site)")
