"""slow-hash and no-plaintext: kata registers users, then reads every table as the app's
database user. The row holding a user's email must hold a password hash kata recognises
as a slow salted KDF at an accepted cost (_hashes.py), and two users with one password
must have different hashes; no value anywhere may hold a password kata sent, or its
reversed, hex or base64 form."""

from __future__ import annotations

import base64

from kata.testing import GradedApp, requirement, trim

from . import _db
from ._client import Account, Api
from ._hashes import Recognised, recognise


def _hash_of(rows: list[_db.Row], account: Account) -> tuple[str, str, Recognised]:
    """(where, the stored value, what it is) of ``account``'s password hash: an accepted
    one in a row that holds the email; else the failure, in words."""
    own = [row for row in rows if row.holds(account.email)]
    if not own:
        raise AssertionError(f"no row of any table holds the email {account.email} that kata "
                             "registered just before")
    found = [(f"{row.table}.{column}", text, recognise(text))
             for row in own for column, text in row.strings()]
    for where, text, what in found:
        if what is not None and what.accepted:
            return where, text, what
    for where, text, what in found:
        if what is not None:
            raise AssertionError(f"the password of {account.email} is stored as {what.scheme} "
                                 f"({where} = {trim(text, 48)!r}): {what.why}")
    columns = sorted({f"{where} = {trim(text, 24)!r}" for where, text, _ in found})
    raise AssertionError(f"the row holding {account.email} has no value kata recognises as a "
                         f"password hash ({'; '.join(columns)}); store the KDF's own string "
                         "(e.g. \"$2b$10$…\", \"$argon2id$…\") in a column of that row — the "
                         "spec lists the formats kata reads")


@requirement("slow-hash")
def test_passwords_are_stored_as_salted_slow_hashes(app: GradedApp, api: Api) -> None:
    password = api.password()
    ann = api.register({"email": api.email(), "password": password})
    bob = api.register({"email": api.email(), "password": password})
    rows = _db.rows(app, [ann.email, bob.email])
    where, ann_hash, what = _hash_of(rows, ann)
    _, bob_hash, _ = _hash_of(rows, bob)
    app.measure(f"stored as {what.scheme} ({where})")
    if ann_hash == bob_hash:
        raise AssertionError(f"{ann.email} and {bob.email} registered with one password and "
                             f"got the same hash {trim(ann_hash, 48)!r}: it is not salted (a "
                             "fresh random salt per hash makes equal passwords differ)")


def _reversible_forms(password: str) -> dict[str, str]:
    raw = password.encode("utf-8")
    return {
        "the password as sent": password,
        "the password reversed": password[::-1],
        "the password in hex": raw.hex(),
        "the password in base64": base64.b64encode(raw).decode().rstrip("="),
        "the password in base64url": base64.urlsafe_b64encode(raw).decode().rstrip("="),
        "the password in base32": base64.b32encode(raw).decode().rstrip("="),
    }


EXACT = ("the password in base64", "the password in base64url")  # their case matters


@requirement("no-plaintext")
def test_no_password_is_stored_in_a_reversible_form(app: GradedApp, api: Api) -> None:
    """The password a user registered with, and one a failed login sent: neither may be
    anywhere in the database, in any form kata can cheaply undo."""
    account = api.register()
    wrong = api.password()
    api.try_login(account.email, wrong)  # only read for what it stores: any answer will do
    forms = {f"{what} ({'registered' if p == account.password else 'sent to a failed login'})":
             (needle, what in EXACT)
             for p in (account.password, wrong) for what, needle in _reversible_forms(p).items()}
    for row in _db.rows(app, [needle for needle, _ in forms.values()]):
        for column, text in row.strings():
            lowered = text.lower()
            for what, (needle, exact) in forms.items():
                if (needle in text) if exact else (needle.lower() in lowered):
                    raise AssertionError(f"{row.table}.{column} holds {what}: "
                                         f"{trim(text, 60)!r} — keep only the KDF hash")
