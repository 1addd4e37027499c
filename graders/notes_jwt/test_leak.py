"""no-password-leak: kata registers, logs in (also with a wrong password), reads itself and
writes notes, and sends bodies the app must refuse; no answer it saw may carry a password
(in its body or any header) or a password hash (a field named for one, or a value shaped
like one: bcrypt, argon2, scrypt, pbkdf2)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from kata.testing import Exchange, GradedApp, requirement, trim

from ._client import Api

SECRET_FIELD = re.compile(r"pass(word)?|passwd|pwd|hash|salt", re.I)
HASH_SHAPE = re.compile(r"\$2[abxy]?\$\d\d\$|\$argon2(id|i|d)\$|scrypt[:$]|pbkdf2[_:$-]|"
                        r"\$[156]\$[^$]{1,16}\$", re.I)


def _fields(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every (path, value) pair of a JSON document, bounded by what the app sent."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield f"{path}.{k}" if path else str(k), v
            yield from _fields(v, f"{path}.{k}" if path else str(k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _fields(v, f"{path}[{i}]")


def _leaks(app: GradedApp, passwords: list[str]) -> list[tuple[str, Exchange]]:
    """What each answer leaks, with the exchange that shows it."""
    found: list[tuple[str, Exchange]] = []
    for ex in app.exchanges:
        r = ex.response
        if r is None:
            continue
        where = f"{ex.request.method} {ex.request.url.path} → {r.status_code}"
        for name, value in r.headers.items():
            if any(p in value for p in passwords):
                found.append((f"{where}: the header {name} carries the password", ex))
        text = r.text
        if any(p in text for p in passwords):
            found.append((f"{where}: the body carries the password: {trim(text, 160)}", ex))
        try:
            doc = json.loads(text)
        except ValueError:
            continue
        for path, value in _fields(doc):
            key = path.rsplit(".", 1)[-1]
            if SECRET_FIELD.search(key) and value not in (None, "", [], {}):
                found.append((f"{where}: the body has a field {path!r}: {trim(str(value), 60)}",
                              ex))
            elif isinstance(value, str) and HASH_SHAPE.search(value):
                found.append((f"{where}: {path!r} looks like a password hash: {trim(value, 60)}",
                              ex))
    return found


@requirement("no-password-leak")
def test_no_answer_carries_a_password_or_its_hash(app: GradedApp, api: Api) -> None:
    """Only register must work (the need); every other answer is only read for leaks, so
    a broken login or notes endpoint costs its own requirement, not this one."""
    creds = api.credentials()
    wrong = api.credentials()["password"]
    http = api.http
    api.register(creds)  # 201
    http.post("/auth/register", json=creds)  # 409: taken
    http.post("/auth/register", json={"password": creds["password"]})  # 422: no username
    http.post("/auth/login", json={**creds, "password": wrong})  # 401
    http.post("/auth/login", json={"password": creds["password"]})  # 422: no username
    r = http.post("/auth/login", json=creds)  # 200
    try:
        token = r.json().get("access_token")
    except (ValueError, AttributeError):
        token = None
    if isinstance(token, str) and token:
        auth = {"Authorization": f"Bearer {token}"}
        http.get("/users/me", headers=auth)
        http.post("/notes", json=api.note_payload(), headers=auth)
        http.get("/notes", headers=auth)
    found = _leaks(app, [creds["password"], wrong])
    if found:
        what, ex = found[0]
        app.evidence.update(ex.evidence(app.replay_address))  # the leaking one, not the last
        more = f" (+{len(found) - 1} more)" if len(found) > 1 else ""
        raise AssertionError(f"an answer leaks a password or its hash — {what}{more}")
