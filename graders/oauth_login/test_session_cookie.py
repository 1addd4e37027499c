"""session-cookie: the cookies of a login are out of scripts' reach and same-site."""

from __future__ import annotations

from collections.abc import Callable

from kata.testing import requirement, trim

from ._oidc import Browser, User


def attributes(set_cookie: str) -> tuple[str, str, dict[str, str]]:
    """(name, value, {attribute: value}) of one Set-Cookie header, attributes lowercased."""
    first, *rest = set_cookie.split(";")
    name, _, value = first.partition("=")
    attrs = {}
    for part in rest:
        key, _, val = part.strip().partition("=")
        attrs[key.strip().lower()] = val.strip()
    return name.strip(), value.strip().strip('"'), attrs


def clears(value: str, attrs: dict[str, str]) -> bool:
    """A Set-Cookie that deletes the cookie (empty, or Max-Age ≤ 0) sets nothing to guard."""
    max_age = attrs.get("max-age", "")
    return value == "" or (max_age.lstrip("-").isdigit() and int(max_age) <= 0)


@requirement("session-cookie")
def test_login_cookies_are_httponly_and_samesite(browser: Callable[[], Browser],
                                                 user: Callable[[str], User]) -> None:
    b = browser()
    b.login(user("ada"))
    checked = 0
    for where, header in b.set_cookies:
        name, value, attrs = attributes(header)
        if clears(value, attrs):
            continue
        checked += 1
        shown = trim(header, 200)
        assert "httponly" in attrs, (
            f"{where} → Set-Cookie: {shown}: expected HttpOnly, so page scripts cannot read "
            f"the cookie {name}")
        assert attrs.get("samesite", "").lower() in ("lax", "strict"), (
            f"{where} → Set-Cookie: {shown}: expected SameSite=Lax (or Strict)")
    assert checked, "the login set no cookie at all, yet /me knew the user: kata cannot tell " \
                    "how the session is kept"
