"""Passwords (bcrypt, a slow salted KDF) and session tokens (random, stored as SHA-256)."""

from __future__ import annotations

import hashlib
import secrets

import bcrypt

# bcrypt's cost: 2**10 rounds, about 50 ms a hash here. Raise it on faster machines.
BCRYPT_COST = 10
MAX_PASSWORD_BYTES = 72  # bcrypt reads no further (bcrypt 5 refuses longer input)


def hash_password(password: str) -> str:
    """'$2b$10$<salt><hash>': a fresh random salt each time, so equal passwords differ."""
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(BCRYPT_COST)).decode("ascii")


def verify_password(password: str, stored: str) -> bool:
    raw = password.encode("utf-8")
    # Longer than any stored password: still hash (the same time), never a match.
    ok = bcrypt.checkpw(raw[:MAX_PASSWORD_BYTES], stored.encode("ascii"))
    return ok and len(raw) <= MAX_PASSWORD_BYTES


# Checked against when the email is unknown, so that answer takes as long as a wrong
# password's: the time would otherwise tell which emails have accounts.
DUMMY_HASH = hash_password(secrets.token_hex(16))


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> bytes:
    """What the sessions table keeps of a token: enough to find it, useless to log in."""
    return hashlib.sha256(token.encode("utf-8")).digest()
