"""What the notes-jwt grader tests share: users made for one test (seeded names), their
tokens, notes, tokens kata signs itself, and checks that turn a wrong answer into a
message the learner can act on — what was sent, what was expected, what came back."""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import partial
from typing import Any

import httpx

from kata import testing
from kata.testing import GradedApp, describe, trim

from . import _jwt

SECRET_ENV = "JWT_SECRET"
MIN_LIFETIME_S = 15 * 60
MAX_LIFETIME_S = 24 * 3600
SLACK_S = 120  # clock skew between kata and the app's container, and the request itself

WORDS = ("groceries", "ideas", "meeting", "books", "travel", "recipes", "todo", "gifts")


# The token is what these tests are about: each failure shows the one it sent, or none.
SHOWN = ("authorization",)
said = partial(testing.said, headers=SHOWN)
expect = partial(testing.expect, headers=SHOWN)
json_of = partial(testing.json_of, headers=SHOWN)


def expect_detail(r: httpx.Response, status: int, why: str) -> None:
    """``status`` with a JSON object carrying a string ``detail``."""
    expect(r, status, why=why)
    error = json_of(r)
    if not isinstance(error, dict) or not isinstance(error.get("detail"), str):
        raise AssertionError(f'{said(r)} ({why}) → expected a JSON body like {{"detail": '
                             f'"…"}}, got {describe(r)}')


def refused(r: httpx.Response, why: str) -> None:
    """A token the app must refuse: 401 with a JSON detail. A 2xx means kata got in."""
    if 200 <= r.status_code < 300:
        raise AssertionError(f"{said(r)} ({why}) → expected 401, but the app accepted the "
                             f"token: {describe(r)}")
    expect_detail(r, 401, why)


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass(frozen=True)
class User:
    id: int
    username: str
    password: str
    token: str = ""

    @property
    def auth(self) -> dict[str, str]:
        return bearer(self.token)


class Api:
    """The notes API as one grader test uses it: seeded users and notes, checked answers."""

    def __init__(self, app: GradedApp, salt: str) -> None:
        self.app = app
        self.rng = app.rng(salt)

    @property
    def http(self) -> httpx.Client:
        return self.app.http  # not cached: app.restart() replaces the client

    @property
    def secret(self) -> str:
        return self.app.env[SECRET_ENV]

    # -- users ------------------------------------------------------------------------------
    def credentials(self) -> dict[str, str]:
        """A fresh username and a password that appears nowhere else."""
        tag = f"{self.rng.randrange(16**10):010x}"
        return {"username": f"kata_{tag}", "password": f"pw-{self.rng.randrange(16**16):016x}!"}

    def register(self, creds: dict[str, str] | None = None) -> User:
        creds = creds or self.credentials()
        r = self.http.post("/auth/register", json=creds)
        expect(r, 201, 200, why="registering a user to test with")
        user = json_of(r)
        if not isinstance(user, dict) or not is_int(user.get("id")):
            raise AssertionError(f'{said(r)} → expected the user with an integer "id", got '
                                 f"{describe(r)}")
        return User(user["id"], creds["username"], creds["password"])

    def login(self, user: User) -> User:
        r = self.http.post("/auth/login", json={"username": user.username,
                                                "password": user.password})
        expect(r, 200, why="logging in a user to test with")
        answer = json_of(r)
        token = answer.get("access_token") if isinstance(answer, dict) else None
        if not isinstance(token, str) or not token:
            raise AssertionError(f'{said(r)} → expected {{"access_token": "…", "token_type": '
                                 f'"bearer"}}, got {describe(r)}')
        return User(user.id, user.username, user.password, token)

    def user(self) -> User:
        """A registered user, logged in."""
        return self.login(self.register())

    # -- tokens kata makes ------------------------------------------------------------------
    def claims(self, user: User, **overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        return {"sub": str(user.id), "iat": now, "exp": now + 30 * 60, **overrides}

    def forge(self, user: User, key: str | None = None, **overrides: Any) -> str:
        """An HS256 token for ``user`` signed with ``key`` (JWT_SECRET by default)."""
        return _jwt.sign(self.claims(user, **overrides), self.secret if key is None else key)

    def claims_of(self, user: User) -> dict[str, Any]:
        """The claims of ``user``'s token (the token requirement checks it is a JWT)."""
        try:
            return _jwt.read(user.token)[1]
        except _jwt.NotAJwt as e:
            raise AssertionError(f"the access token {trim(user.token, 80)!r} is not a JWT: "
                                 f"{e}") from None

    def other_key(self) -> str:
        return f"not-the-secret-{self.rng.randrange(16**32):032x}"

    # -- notes ------------------------------------------------------------------------------
    def note_payload(self) -> dict[str, Any]:
        word = self.rng.choice(WORDS)
        return {"title": f"{word} {self.rng.randrange(16**6):06x}",
                "body": f"kata wrote this {word} note; ✓ ünïcødé"}

    def create_note(self, user: User, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        """POST a note as ``user``; the note as the app answered. 200 is taken too: only
        the notes requirement insists on 201."""
        payload = payload or self.note_payload()
        r = self.http.post("/notes", json=payload, headers=user.auth)
        expect(r, 201, 200, why="creating a note to test with")
        note = json_of(r)
        if not isinstance(note, dict) or not is_int(note.get("id")):
            raise AssertionError(f'{said(r)} → expected the created note with an integer "id", '
                                 f"got {describe(r)}")
        return note

    def list_ids(self, user: User) -> list[Any]:
        r = self.http.get("/notes", headers=user.auth)
        expect(r, 200)
        page = json_of(r)
        if not isinstance(page, dict) or not isinstance(page.get("items"), list):
            raise AssertionError(f'{said(r)} → expected {{"items": [...]}}, got {describe(r)}')
        return [n.get("id") if isinstance(n, dict) else n for n in page["items"]]


def check_note(r: httpx.Response, got: Any, want: dict[str, Any], context: str = "") -> None:
    """``got`` (a note from ``r``'s body) must carry every field of ``want``."""
    where = f" {context}" if context else ""
    if not isinstance(got, dict):
        raise AssertionError(f"{said(r)} → expected a note object{where}, got {describe(r)}")
    for field, value in want.items():
        if field not in got:
            raise AssertionError(f"{said(r)} → expected the field {field!r}{where}, it is "
                                 f"missing: {describe(r)}")
        if got[field] != value or (field == "id" and not is_int(got[field])):
            raise AssertionError(f"{said(r)} → expected {field} = {value!r}{where}, got "
                                 f"{got[field]!r}: {describe(r)}")
