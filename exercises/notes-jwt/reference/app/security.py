"""Passwords (scrypt, a slow KDF from the standard library) and access tokens (HS256 JWTs
signed with JWT_SECRET)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import time
from typing import Any

import jwt

SECRET = os.environ["JWT_SECRET"]  # kata sets it; the app must not start without it
ALGORITHM = "HS256"
TOKEN_LIFETIME_S = 3600

# scrypt cost: about 50 ms and 16 MB per hash (n = 2**14, r = 8, p = 1).
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p,
                          maxmem=64 * 2**20, dklen=32)


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    _, n, r, p, salt, digest = stored.split("$")
    got = _scrypt(password, base64.b64decode(salt), int(n), int(r), int(p))
    return hmac.compare_digest(got, base64.b64decode(digest))


# Verified against when the username does not exist, so that answer takes as long as a
# wrong password's (the time would tell which usernames exist).
DUMMY_HASH = hash_password(secrets.token_hex(16))


def issue_token(user_id: int) -> str:
    now = int(time.time())
    claims = {"sub": str(user_id), "iat": now, "exp": now + TOKEN_LIFETIME_S}
    return jwt.encode(claims, SECRET, algorithm=ALGORITHM)


def read_token(token: str) -> dict[str, Any]:
    """The claims of a token this app could have signed; raises jwt.PyJWTError otherwise.
    The algorithm is pinned: the token's own header never chooses how it is checked."""
    return jwt.decode(token, SECRET, algorithms=[ALGORITHM],
                      options={"require": ["exp", "sub"]})
