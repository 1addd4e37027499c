"""JSON Web Tokens as the grader makes and reads them: HS256 (HMAC-SHA256) and the
unsigned ``alg: none``, with nothing but the standard library, so what kata forges is
exactly what the spec describes and no JWT library's defaults stand in between."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    """Raises ValueError on text that is not base64url."""
    if not all(c.isalnum() or c in "-_" for c in text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _part(data: dict[str, Any]) -> str:
    return b64url(json.dumps(data, separators=(",", ":")).encode())


def sign(claims: dict[str, Any], key: str, header: dict[str, Any] | None = None) -> str:
    """An HS256 token of ``claims`` signed with the UTF-8 bytes of ``key``."""
    head = _part(header or {"alg": "HS256", "typ": "JWT"})
    body = _part(claims)
    mac = hmac.new(key.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64url(mac)}"


def unsigned(claims: dict[str, Any], alg: str = "none", signature: str = "") -> str:
    """A token whose header says ``alg`` (none), with ``signature`` (none by default)."""
    return f"{_part({'alg': alg, 'typ': 'JWT'})}.{_part(claims)}.{signature}"


def with_claims(token: str, claims: dict[str, Any]) -> str:
    """``token`` with its payload replaced and its header and signature kept: an edit
    made without the key."""
    head, _, sig = split(token)
    return f"{head}.{_part(claims)}.{sig}"


def split(token: str) -> tuple[str, str, str]:
    parts = token.split(".")
    if len(parts) != 3:
        raise ValueError(f"a JWT has 3 dot-separated parts, this one has {len(parts)}")
    return parts[0], parts[1], parts[2]


class NotAJwt(ValueError):
    pass


def read(token: str) -> tuple[dict[str, Any], dict[str, Any], str]:
    """(header, claims, signature part) of a compact JWT; NotAJwt says what is wrong."""
    try:
        head, body, sig = split(token)
        header = json.loads(unb64url(head))
        claims = json.loads(unb64url(body))
    except ValueError as e:  # json's and base64's errors are ValueErrors too
        raise NotAJwt(str(e)) from None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise NotAJwt("its header and payload must be JSON objects")
    return header, claims, sig


def signed_with(token: str, key: str) -> bool:
    """Whether ``token``'s signature is the HS256 MAC of its first two parts by ``key``."""
    try:
        head, body, sig = split(token)
        got = unb64url(sig)
    except ValueError:
        return False
    want = hmac.new(key.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return hmac.compare_digest(got, want)
