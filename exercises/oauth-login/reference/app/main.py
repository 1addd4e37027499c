"""Login through an OpenID provider: the authorization code flow with state, nonce and PKCE.

The provider is configured by the environment (OIDC_ISSUER, OIDC_CLIENT_ID,
OIDC_CLIENT_SECRET, OIDC_REDIRECT_URI); its endpoints come from its discovery document.
Pending logins and sessions live in this process's memory, found by random ids in
cookies, so logout really ends a session.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
import jwt
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

ISSUER = os.environ["OIDC_ISSUER"].rstrip("/")
CLIENT_ID = os.environ["OIDC_CLIENT_ID"]
CLIENT_SECRET = os.environ["OIDC_CLIENT_SECRET"]
REDIRECT_URI = os.environ["OIDC_REDIRECT_URI"]

LOGIN_COOKIE = "login"  # names the browser's pending login (state, verifier, nonce, next)
SESSION_COOKIE = "session"
PENDING_TTL_S = 600
SESSION_TTL_S = 8 * 3600
MAX_PENDING = 10_000  # pending logins kept at most (the oldest go first)
LEEWAY_S = 30  # clock skew allowed on exp and iat

app = FastAPI(title="oauth-login")


@dataclass
class Pending:
    state: str
    verifier: str
    nonce: str
    next: str
    expires: float


@dataclass
class Session:
    sub: str
    email: str
    expires: float


_pending: dict[str, Pending] = {}
_sessions: dict[str, Session] = {}


class Refused(Exception):
    """The login cannot go on: answered with ``status`` and a JSON detail."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


class Provider:
    """The provider's discovery document and keys, fetched once and kept."""

    def __init__(self) -> None:
        self.http = httpx.AsyncClient(timeout=10.0)
        self._meta: dict[str, Any] | None = None
        self._keys: dict[str, Any] = {}

    async def meta(self) -> dict[str, Any]:
        if self._meta is None:
            r = await self.http.get(f"{ISSUER}/.well-known/openid-configuration")
            r.raise_for_status()
            meta = r.json()
            if meta.get("issuer") != ISSUER:
                raise RuntimeError(f"the discovery document names issuer {meta.get('issuer')!r}")
            self._meta = meta
        return self._meta

    async def key(self, kid: str) -> Any:
        if kid not in self._keys:  # unknown kid: the provider may have rotated its keys
            r = await self.http.get((await self.meta())["jwks_uri"])
            r.raise_for_status()
            self._keys = {k["kid"]: jwt.PyJWK(k).key for k in r.json()["keys"]
                          if k.get("kid") and k.get("use", "sig") == "sig"}
        if kid not in self._keys:
            raise Refused(401, "the id_token is signed with a key the provider does not publish")
        return self._keys[kid]

    async def exchange(self, code: str, verifier: str) -> dict[str, Any]:
        r = await self.http.post(
            (await self.meta())["token_endpoint"],
            data={"grant_type": "authorization_code", "code": code,
                  "redirect_uri": REDIRECT_URI, "code_verifier": verifier},
            auth=(CLIENT_ID, CLIENT_SECRET),
        )
        if r.status_code != 200:
            raise Refused(400, f"the provider refused the code ({r.status_code} {r.text[:200]})")
        tokens = r.json()
        if not isinstance(tokens, dict) or not isinstance(tokens.get("id_token"), str):
            raise Refused(400, "the provider's token response has no id_token")
        return tokens

    async def verify(self, id_token: str, nonce: str) -> dict[str, Any]:
        """The id_token's claims, once its signature, issuer, audience, times and nonce
        are checked."""
        try:
            kid = jwt.get_unverified_header(id_token).get("kid", "")
            claims = jwt.decode(
                id_token, await self.key(kid), algorithms=["RS256"], audience=CLIENT_ID,
                issuer=ISSUER, leeway=LEEWAY_S,
                options={"require": ["iss", "aud", "exp", "iat", "sub"]},
            )
        except jwt.PyJWTError as e:
            raise Refused(401, f"the id_token is not valid: {e}") from None
        if not hmac.compare_digest(str(claims.get("nonce", "")), nonce):
            raise Refused(401, "the id_token's nonce is not the one this login sent")
        return claims


provider = Provider()


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


# A same-site path: one "/" then neither "/" nor "\" (browsers read "/\host" as "//host").
_SAFE_NEXT = re.compile(r"/(?![/\\])[^\x00-\x20\x7f]*")


def safe_next(value: str) -> str:
    """Where to go after the login: ``value`` when it is a path on this site, else /."""
    if _SAFE_NEXT.fullmatch(value) and "\\" not in value:
        return value
    return "/"


def _refuse(status: int, detail: str) -> JSONResponse:
    response = JSONResponse({"detail": detail}, status_code=status)
    response.delete_cookie(LOGIN_COOKIE, path="/")
    return response


def _forget_expired(now: float) -> None:
    for store in (_pending, _sessions):
        for key in [k for k, v in store.items() if v.expires < now]:
            del store[key]
    while len(_pending) > MAX_PENDING:
        del _pending[next(iter(_pending))]


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/")
async def home(request: Request) -> dict[str, Any]:
    session = _session_of(request)
    return {"logged_in": session is not None}


@app.get("/login")
async def login(next: str = "/") -> Response:
    meta = await provider.meta()
    now = time.time()
    _forget_expired(now)
    verifier = secrets.token_urlsafe(48)
    pending = Pending(state=secrets.token_urlsafe(32), verifier=verifier,
                      nonce=secrets.token_urlsafe(16), next=safe_next(next),
                      expires=now + PENDING_TTL_S)
    login_id = secrets.token_urlsafe(32)
    _pending[login_id] = pending
    query = urlencode({
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT_URI,
        "scope": "openid email",
        "state": pending.state,
        "nonce": pending.nonce,
        "code_challenge": _b64url(hashlib.sha256(verifier.encode()).digest()),
        "code_challenge_method": "S256",
    })
    response = RedirectResponse(f"{meta['authorization_endpoint']}?{query}", status_code=302)
    response.set_cookie(LOGIN_COOKIE, login_id, max_age=PENDING_TTL_S, path="/",
                        httponly=True, samesite="lax")
    return response


@app.get("/callback")
async def callback(request: Request, code: str = "", state: str = "", error: str = "") -> Response:
    pending = _pending.pop(request.cookies.get(LOGIN_COOKIE, ""), None)  # one use only
    if pending is None or pending.expires < time.time():
        return _refuse(400, "no login in progress in this browser")
    if not state or not hmac.compare_digest(state, pending.state):
        return _refuse(400, "the state does not match the login this browser started")
    if error or not code:
        return _refuse(400, f"the provider answered {error or 'no code'}")
    try:
        tokens = await provider.exchange(code, pending.verifier)
        claims = await provider.verify(tokens["id_token"], pending.nonce)
    except Refused as r:
        return _refuse(r.status, r.detail)
    now = time.time()
    session_id = secrets.token_urlsafe(32)
    _sessions[session_id] = Session(sub=str(claims["sub"]), email=str(claims.get("email", "")),
                                    expires=now + SESSION_TTL_S)
    response = RedirectResponse(pending.next, status_code=303)
    response.delete_cookie(LOGIN_COOKIE, path="/")
    response.set_cookie(SESSION_COOKIE, session_id, max_age=SESSION_TTL_S, path="/",
                        httponly=True, samesite="lax")
    return response


def _session_of(request: Request) -> Session | None:
    session = _sessions.get(request.cookies.get(SESSION_COOKIE, ""))
    if session is None or session.expires < time.time():
        return None
    return session


@app.get("/me")
async def me(request: Request) -> Response:
    session = _session_of(request)
    if session is None:
        return JSONResponse({"detail": "not logged in"}, status_code=401)
    return JSONResponse({"sub": session.sub, "email": session.email})


@app.post("/logout")
async def logout(request: Request) -> Response:
    _sessions.pop(request.cookies.get(SESSION_COOKIE, ""), None)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
