"""What the user-auth grader tests share: accounts made for one test (seeded emails and
passwords), sessions as the spec settles them — a bearer token in the login's JSON body,
else the cookies its Set-Cookie headers carry —, and checks that turn a wrong answer into
a message the learner can act on: what was sent, what was expected, what came back."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

import httpx

from kata import testing
from kata.testing import GradedApp, describe

# Credentials are what these tests are about: each failure shows the ones it sent.
SHOWN = ("authorization", "cookie")
said = partial(testing.said, headers=SHOWN)
expect = partial(testing.expect, headers=SHOWN)
json_of = partial(testing.json_of, headers=SHOWN)


def expect_detail(r: httpx.Response, status: int, why: str) -> None:
    """``status`` with a JSON object carrying a ``detail``."""
    expect(r, status, why=why)
    error = json_of(r)
    if not isinstance(error, dict) or "detail" not in error:
        raise AssertionError(f'{said(r)} ({why}) → expected a JSON body like {{"detail": '
                             f'"…"}}, got {describe(r)}')


def refused(r: httpx.Response, why: str) -> None:
    """A session the app must refuse: 401 with a JSON detail. A 2xx means kata got in."""
    if 200 <= r.status_code < 300:
        raise AssertionError(f"{said(r)} ({why}) → expected 401, but the app accepted the "
                             f"session: {describe(r)}")
    expect_detail(r, 401, why)


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def set_cookies(r: httpx.Response) -> dict[str, str]:
    """name → value of the cookies ``r`` sets (attributes ignored; deletions dropped)."""
    out: dict[str, str] = {}
    for header in r.headers.get_list("set-cookie"):
        first, *attributes = header.split(";")
        name, sep, value = first.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not name:
            continue
        expired = any(a.strip().lower().startswith("max-age=") and
                      a.strip()[8:].strip().lstrip("-").isdigit() and
                      int(a.strip()[8:].strip()) <= 0 for a in attributes)
        if value and not expired:
            out[name] = value
    return out


@dataclass(frozen=True)
class Session:
    """What a login handed out, as kata sends it back: the bearer token of the answer's
    JSON body, else every cookie its Set-Cookie headers set."""

    token: str = ""
    cookies: tuple[tuple[str, str], ...] = ()

    @property
    def headers(self) -> dict[str, str]:
        if self.token:
            return {"Authorization": f"Bearer {self.token}"}
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies)}

    def forged(self, rng_hex: str) -> Session:
        """One the app never issued, in the same form: the token or each cookie's value
        replaced by random characters of the same alphabet and length."""
        def twin(value: str) -> str:
            return (rng_hex * (len(value) // len(rng_hex) + 1))[:max(len(value), 16)]
        if self.token:
            return Session(token=twin(self.token))
        return Session(cookies=tuple((k, twin(v)) for k, v in self.cookies))


@dataclass(frozen=True)
class Account:
    id: int
    email: str
    password: str


class Api:
    """The accounts API as one grader test uses it: seeded users, sessions, checked
    answers. Its client keeps no cookies: every request carries exactly the session kata
    means to send (``Session.headers``), as a copy of a cookie would be sent again."""

    def __init__(self, app: GradedApp, salt: str) -> None:
        self.app = app
        self.rng = app.rng(salt)
        self.http = app.client(event_hooks={"response": [self._forget_cookies]})

    def _forget_cookies(self, _: httpx.Response) -> None:
        self.http.cookies.clear()

    def close(self) -> None:
        self.http.close()

    def hex(self, digits: int) -> str:
        return f"{self.rng.randrange(16**digits):0{digits}x}"

    # -- accounts ---------------------------------------------------------------------------
    def email(self) -> str:
        return f"kata.{self.hex(10)}@example.com"

    def password(self) -> str:
        """A password that appears nowhere else: letters and digits, so that each of its
        encodings is unmistakable in the database."""
        return f"Pw{self.hex(14)}Kata"

    def credentials(self) -> dict[str, str]:
        return {"email": self.email(), "password": self.password()}

    def register(self, creds: dict[str, str] | None = None) -> Account:
        creds = creds or self.credentials()
        r = self.http.post("/auth/register", json=creds)
        expect(r, 201, 200, why="registering a user to test with")
        user = json_of(r)
        if not isinstance(user, dict) or not is_int(user.get("id")):
            raise AssertionError(f'{said(r)} → expected the user with an integer "id", got '
                                 f"{describe(r)}")
        return Account(user["id"], creds["email"], creds["password"])

    def try_login(self, email: str, password: str) -> httpx.Response:
        return self.http.post("/auth/login", json={"email": email, "password": password})

    @staticmethod
    def session_of(r: httpx.Response) -> Session:
        """The session a 200 login answer hands out, as the spec settles it."""
        body: Any = None
        try:
            body = r.json()
        except ValueError:
            pass
        token = body.get("access_token") if isinstance(body, dict) else None
        if isinstance(token, str) and token.strip():
            return Session(token=token.strip())
        cookies = set_cookies(r)
        if cookies:
            return Session(cookies=tuple(sorted(cookies.items())))
        raise AssertionError(f'{said(r)} → expected a session: {{"access_token": "…"}} in the '
                             f"JSON body, or a Set-Cookie header; got {describe(r)} with "
                             "neither")

    def login(self, account: Account, why: str = "logging in a user to test with") -> Session:
        r = self.try_login(account.email, account.password)
        expect(r, 200, why=why)
        return self.session_of(r)

    def user(self) -> tuple[Account, Session]:
        """A registered user, logged in."""
        account = self.register()
        return account, self.login(account)

    def me(self, session: Session | None) -> httpx.Response:
        return self.http.get("/me", headers=session.headers if session else {})
