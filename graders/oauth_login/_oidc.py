"""The oauth-login graders' browser and provider helpers.

The grader plays the user's browser: a cookie jar, kata's capped HTTP clients, and every
redirect followed by hand, only to the app or to the provider. The app knows the provider
by its issuer URL on the run's private network (http://idp:8080); the browser, on kata's
host, reaches the same provider at the address the sandbox gives the service
(``provider_address``, the one place that asks), sending the issuer's host in ``Host`` so
the provider sees the URLs it issued. The app is reached the same way under the name its
registered redirect URI gives it (http://localhost:8000), as a browser on the learner's
machine would.

The provider (kata/oidc-provider) shows a login form that stands for the user: the browser
submits a subject and an email, and the provider grants what the app asked for. Its
test-only control endpoint (``Provider.arm``) makes the next token response carry a
defective id_token.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from kata.catalog import load_exercise
from kata.testing import GradedApp, capped_client, describe, trim

TIMEOUT_S = 10.0
SERVICE = "idp"  # the provider's service in exercise.toml, and its hostname there
_IDP = load_exercise(Path(__file__).resolve().parents[2] / "exercises" / "oauth-login") \
    .services[SERVICE]
_FACTS = _IDP.facts_at(SERVICE)
ISSUER = _IDP.exports["OIDC_ISSUER"].format(**_FACTS)
CLIENT_ID = _FACTS["client_id"]
REDIRECT_URI = _FACTS["redirect_uri"]
# The client's other registered redirect URI: a code issued for it must not log in here.
OTHER_REDIRECT_URI = next(u for u in _IDP.env["REDIRECT_URIS"].split() if u != REDIRECT_URI)
DEFECTS = ("signature", "audience", "issuer", "expired")  # what the control endpoint arms
REFUSED = (400, 401, 403)


class ProviderTrouble(RuntimeError):
    """kata's provider answered what it never should to a request kata made itself: kata's
    fault, not the learner's (a RuntimeError is reported as a grader error)."""


def origin(url: httpx.URL) -> tuple[str, str, int]:
    return url.scheme, url.host, url.port or {"http": 80, "https": 443}.get(url.scheme, 0)


ISSUER_URL = httpx.URL(ISSUER)
SITE = httpx.URL(REDIRECT_URI)  # where the browser believes the app is


def provider_address(app: GradedApp) -> str:
    """The base URL at which kata's host reaches the provider the app knows as ISSUER."""
    return app.services[SERVICE].address(ISSUER_URL.port).url


def resolve(location: str, base: httpx.URL) -> httpx.URL:
    """Where a browser goes for ``location`` seen at ``base``: as browsers do, a
    backslash counts as a slash and tabs and newlines are dropped."""
    cleaned = re.sub(r"[\t\r\n]", "", location).replace("\\", "/")
    try:
        return base.join(cleaned)
    except httpx.InvalidURL:  # javascript:…, a bad port: somewhere no page of the app is
        raise AssertionError(f"Location: {trim(location, 120)} is no http(s) URL a browser "
                             f"would follow to the app or the provider") from None


def said(r: httpx.Response) -> str:
    req = r.request
    return trim(f"{req.method} {req.url.raw_path.decode()}", 200)


def expect(r: httpx.Response, *codes: int, why: str = "") -> None:
    if r.status_code not in codes:
        want = " or ".join(str(c) for c in codes)
        because = f" ({why})" if why else ""
        raise AssertionError(f"{said(r)}{because} → expected {want}, got {describe(r)}")


@dataclass(frozen=True)
class User:
    sub: str
    email: str


@dataclass
class AuthRequest:
    """An authorization request: where /login sent the browser, and its parameters."""

    url: httpx.URL
    params: dict[str, str]
    response: httpx.Response  # the app's answer to /login (its cookies included)


class Provider:
    """kata's provider as the grader's own client: discovery and the test controls."""

    def __init__(self, app: GradedApp) -> None:
        self.http = capped_client(provider_address(app), TIMEOUT_S,
                                  headers={"host": ISSUER_URL.netloc.decode()})
        self._meta: dict[str, Any] | None = None

    def meta(self) -> dict[str, Any]:
        if self._meta is None:
            r = self.http.get("/.well-known/openid-configuration")
            if r.status_code != 200:
                raise ProviderTrouble(f"the provider's discovery document: {describe(r)}")
            self._meta = r.json()
        return self._meta

    def armed(self) -> list[str]:
        r = self.http.delete("/_kata/next-id-token")
        if r.status_code != 200:
            raise ProviderTrouble(f"DELETE /_kata/next-id-token: {describe(r)}")
        return list(r.json()["armed"])

    @contextmanager
    def defective_id_token(self, defect: str) -> Iterator[None]:
        """The next token response carries an id_token with ``defect``; disarmed after, and
        an AssertionError if the app never asked the token endpoint meanwhile."""
        self.armed()  # clears what an earlier test may have left
        r = self.http.post("/_kata/next-id-token", json={"defect": defect})
        if r.status_code != 200:
            raise ProviderTrouble(f"POST /_kata/next-id-token {defect}: {describe(r)}")
        yield
        if self.armed():
            raise AssertionError(
                "the callback never exchanged the code at the token endpoint, so kata could "
                "not hand it an id_token to refuse: the login failed before that")

    def close(self) -> None:
        self.http.close()


class Browser:
    """One user's browser: its own cookies, its own session at the app and the provider."""

    def __init__(self, app: GradedApp, provider: Provider) -> None:
        self.app = app
        self.provider = provider
        # the app's exchanges become the evidence of a failed check, as app.http's do
        self.to_app = app.client(headers={"host": SITE.netloc.decode()},
                                 event_hooks={"response": [self._cookies]})
        self.to_idp = capped_client(provider_address(app), TIMEOUT_S,
                                    headers={"host": ISSUER_URL.netloc.decode()})
        self.set_cookies: list[tuple[str, str]] = []  # (request, Set-Cookie) from the app

    def _cookies(self, response: httpx.Response) -> None:
        for value in response.headers.get_list("set-cookie"):
            self.set_cookies.append((said(response), value))
        # (run after httpx stored the cookies) Browsers count http://localhost as a secure
        # context, so Secure cookies work there: kata's browser sends them too.
        for cookie in self.to_app.cookies.jar:
            cookie.secure = False

    def close(self) -> None:
        self.to_app.close()
        self.to_idp.close()

    # ------------------------------------------------------------------ the app
    def get(self, url: str | httpx.URL, **params: str) -> httpx.Response:
        """GET a page of the app: a path, or a URL on the app's site."""
        target = resolve(str(url), SITE)
        if origin(target) != origin(SITE):
            raise AssertionError(f"kata's browser goes only to the app ({SITE}) and the "
                                 f"provider, not to {trim(str(target), 120)}")
        path = target.raw_path.decode()
        return self.to_app.get(path, params=params or None)

    def post(self, path: str) -> httpx.Response:
        return self.to_app.post(path)

    def me(self) -> httpx.Response:
        return self.get("/me")

    def start_login(self, next: str | None = None) -> AuthRequest:
        """GET /login: the app must send the browser to the provider's authorization
        endpoint."""
        r = self.get("/login", **({"next": next} if next is not None else {}))
        expect(r, 302, 303, 307, why="the app should send the browser to the provider")
        location = r.headers.get("location", "")
        target = resolve(location, SITE)
        endpoint = httpx.URL(self.provider.meta()["authorization_endpoint"])
        if origin(target) != origin(endpoint) or target.path != endpoint.path:
            raise AssertionError(
                f"{said(r)} → Location: {trim(location, 160)}; expected the provider's "
                f"authorization endpoint {endpoint} (authorization_endpoint in "
                f"{ISSUER}/.well-known/openid-configuration)")
        params = dict(target.params.multi_items())
        return AuthRequest(target, params, r)

    # -------------------------------------------------------------- the provider
    def _idp(self, method: str, url: httpx.URL, **kwargs: Any) -> httpx.Response:
        if origin(url) != origin(ISSUER_URL):
            raise ProviderTrouble(f"the provider sent the browser to {url}")
        return self.to_idp.request(method, url.raw_path.decode(), **kwargs)

    def authorize(self, auth: AuthRequest | httpx.URL, user: User) -> httpx.URL:
        """Take an authorization request to the provider, sign in as ``user`` and return
        the URL the provider sends the browser back to (not followed). ``auth`` is the
        app's request (the provider's refusal is then the app's fault) or kata's own."""
        by_app = isinstance(auth, AuthRequest)
        url = auth.url if isinstance(auth, AuthRequest) else auth
        r = self._idp("GET", url)
        if r.status_code not in (302, 303):
            if by_app:
                raise AssertionError(
                    f"the provider refused the authorization request GET /login sent the "
                    f"browser with: {describe(r)} (the request: "
                    f"{trim(url.query.decode(), 300)})")
            raise ProviderTrouble(f"the provider refused kata's request {url}: {describe(r)}")
        form = resolve(r.headers["location"], url)
        if origin(form) != origin(ISSUER_URL):  # at once back to the client: an error
            said_back = dict(httpx.QueryParams(form.query.decode() or form.fragment))
            if by_app:
                raise AssertionError(
                    f"the provider refused the authorization request GET /login sent the "
                    f"browser with: {said_back.get('error')} "
                    f"{said_back.get('error_description', '')} (the request: "
                    f"{trim(url.query.decode(), 300)})")
            raise ProviderTrouble(f"the provider refused kata's request {url}: {said_back}")
        # The provider's login form, filled in for the user; then its resume redirect.
        r = self._idp("POST", form, data={"sub": user.sub, "email": user.email})
        if r.status_code not in (302, 303):
            raise ProviderTrouble(f"the provider's login form: {describe(r)}")
        r = self._idp("GET", resolve(r.headers["location"], form))
        if r.status_code not in (302, 303):
            raise ProviderTrouble(f"the provider's resume after login: {describe(r)}")
        back = httpx.URL(r.headers["location"])
        if by_app and "error" in back.params:
            raise AssertionError(
                f"the provider refused the authorization request GET /login made: "
                f"{back.params.get('error')} {back.params.get('error_description', '')}")
        if "code" not in back.params:
            raise ProviderTrouble(f"the provider sent the browser to {back} without a code")
        return back

    # -------------------------------------------------------------- whole flows
    def callback(self, url: httpx.URL) -> httpx.Response:
        """Follow the provider's redirect to the app's redirect URI."""
        return self.get(url)

    def login(self, user: User, next: str | None = None) -> httpx.Response:
        """The whole login: /login, the provider, the callback; then /me must show
        ``user``. Returns the callback's answer."""
        back = self.authorize(self.start_login(next), user)
        r = self.callback(back)
        if r.status_code >= 400:
            raise AssertionError(f"{said(r)} (the provider's redirect after {user.email} "
                                 f"signed in) → expected a redirect, got {describe(r)}")
        me = self.me()
        expect(me, 200, why=f"{user.email} has just signed in through the provider")
        shows_user(me, user)
        return r

    def refused(self, r: httpx.Response, why: str) -> None:
        """``r`` (a callback) must refuse the login: 400, 401 or 403, and no session."""
        if r.status_code not in REFUSED:
            raise AssertionError(f"{said(r)} ({why}) → expected 400, 401 or 403, got "
                                 f"{describe(r)}")
        me = self.me()
        if me.status_code != 401:
            raise AssertionError(f"{said(r)} ({why}) answered {r.status_code}, but then GET "
                                 f"/me → {describe(me)}: expected 401, the login was refused")

    def copy_cookies_to(self, other: Browser) -> None:
        for cookie in self.to_app.cookies.jar:
            other.to_app.cookies.jar.set_cookie(cookie)


def shows_user(r: httpx.Response, user: User) -> None:
    try:
        body = r.json()
    except ValueError:
        raise AssertionError(f"{said(r)} → expected a JSON body, got {describe(r)}") from None
    want = {"sub": user.sub, "email": user.email}
    if not isinstance(body, dict) or {k: body.get(k) for k in want} != want:
        raise AssertionError(f"{said(r)} → expected {want} (the provider's sub and email of "
                             f"the signed-in user), got {describe(r)}")


def with_params(url: httpx.URL, **changes: str | None) -> httpx.URL:
    """``url`` with query parameters replaced (a value) or removed (None)."""
    params = {k: v for k, v in url.params.multi_items() if k not in changes}
    params.update({k: v for k, v in changes.items() if v is not None})
    return url.copy_with(params=params)
