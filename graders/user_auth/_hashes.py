"""Password hashes recognised by their format: what a stored value is, and whether it is a
slow salted KDF at a cost kata accepts. Pure (no kata import): tests/test_user_auth_hashes.py
checks it on a fixture hash of every format.

Accepted (spec.md lists the same):
- bcrypt, modular crypt `$2a$`/`$2b$`/`$2y$`, cost ≥ 10;
- argon2id, PHC string `$argon2id$v=19$m=…,t=…,p=…$salt$hash`, m × t ≥ 36,864 (KiB ×
  passes; OWASP's weakest is m = 12 MiB, t = 3);
- scrypt, N × r ≥ 2**17 (16 MiB): passlib/PHC `$scrypt$ln=…,r=…,p=…$…`, Werkzeug
  `scrypt:N:r:p$salt$hash`, Django `scrypt$N$salt$r$p$hash`;
- PBKDF2-SHA256 ≥ 600,000 iterations (PBKDF2-SHA512 ≥ 210,000): passlib
  `$pbkdf2-sha256$i$salt$hash`, PHC `$pbkdf2-sha256$i=…,l=…$salt$hash`, Django
  `pbkdf2_sha256$i$salt$hash`, Werkzeug `pbkdf2:sha256:i$salt$hash`.
Named and refused: the same families below those costs, argon2i/argon2d, md5-crypt `$1$`,
sha256/512-crypt `$5$`/`$6$`, and bare MD5, SHA-1, SHA-256, SHA-512 hex digests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

BCRYPT_MIN_COST = 10
ARGON2_MIN_M_T = 36_864  # KiB × passes
SCRYPT_MIN_N_R = 2**17  # scrypt's memory is 128 × N × r bytes: 16 MiB
PBKDF2_MIN = {"sha256": 600_000, "sha512": 210_000}


@dataclass(frozen=True)
class Recognised:
    """A stored value recognised as a password hash: ``scheme`` names it (for messages),
    ``accepted`` says whether kata counts it as a slow salted KDF, ``why`` says why not."""

    scheme: str
    accepted: bool
    why: str = ""


_B64 = r"[A-Za-z0-9+/.=_-]"
_BCRYPT = re.compile(r"^\$(2[aby])\$(\d\d)\$[./A-Za-z0-9]{53}$")
_ARGON2 = re.compile(rf"^\$(argon2(?:id|i|d))\$(?:v=(\d+)\$)?([a-z]=\d+(?:,[a-z]=\d+)*)"
                     rf"\${_B64}+\${_B64}+$")
_PHC_SCRYPT = re.compile(rf"^\$scrypt\$([a-z]+=\d+(?:,[a-z]+=\d+)*)\${_B64}+\${_B64}+$")
_WERKZEUG_SCRYPT = re.compile(r"^scrypt:(\d+):(\d+):(\d+)\$[^$]+\$[0-9a-f]+$")
_DJANGO_SCRYPT = re.compile(rf"^scrypt\$(\d+)\$[^$]+\$(\d+)\$(\d+)\${_B64}+$")
_PASSLIB_PBKDF2 = re.compile(rf"^\$pbkdf2-(sha\d+)\$(\d+)\${_B64}+\${_B64}+$")
_PHC_PBKDF2 = re.compile(rf"^\$pbkdf2-(sha\d+)\$([a-z]+=\d+(?:,[a-z]+=\d+)*)\${_B64}+\${_B64}+$")
_DJANGO_PBKDF2 = re.compile(rf"^pbkdf2_(sha\d+)\$(\d+)\$[^$]+\${_B64}+$")
_WERKZEUG_PBKDF2 = re.compile(r"^pbkdf2:(sha\d+)(?::(\d+))?\$[^$]+\$[0-9a-f]+$")
_CRYPT = re.compile(r"^\$([156])\$(?:rounds=\d+\$)?[./A-Za-z0-9]{1,16}\$[./A-Za-z0-9]+$")
_HEX_DIGESTS = {32: "an unsalted MD5 hex digest", 40: "an unsalted SHA-1 hex digest",
                64: "an unsalted SHA-256 hex digest", 128: "an unsalted SHA-512 hex digest"}
_HEX = re.compile(r"^[0-9a-fA-F]+$")
_WERKZEUG_DEFAULT_PBKDF2 = 600_000  # Werkzeug ≥ 2.3's, when the method names no count


def _params(text: str) -> dict[str, int]:
    return {k: int(v) for k, v in (p.split("=", 1) for p in text.split(","))}


def _bcrypt(m: re.Match[str]) -> Recognised:
    cost = int(m.group(2))
    if cost < BCRYPT_MIN_COST:
        return Recognised(f"bcrypt cost {cost}", False,
                          f"cost {cost} is below {BCRYPT_MIN_COST} (2**{cost} rounds is fast "
                          "to guess)")
    return Recognised(f"bcrypt cost {cost}", True)


def _argon2(m: re.Match[str]) -> Recognised:
    variant, params = m.group(1), _params(m.group(3))
    memory, passes = params.get("m", 0), params.get("t", 0)
    name = f"{variant} m={memory},t={passes}"
    if variant != "argon2id":
        return Recognised(name, False, f"{variant} is not argon2id, the variant the spec "
                                       "(and RFC 9106) asks for")
    if memory * passes < ARGON2_MIN_M_T:
        return Recognised(name, False, f"m × t = {memory * passes} KiB is below "
                                       f"{ARGON2_MIN_M_T} (e.g. m=12288,t=3 or m=19456,t=2)")
    return Recognised(name, True)


def _scrypt(n: int, r: int, p: int, encoding: str) -> Recognised:
    name = f"scrypt ({encoding}) N={n},r={r},p={p}"
    if n * r < SCRYPT_MIN_N_R:
        return Recognised(name, False, f"N × r = {n * r} is below {SCRYPT_MIN_N_R} (16 MiB of "
                                       "memory, e.g. N=16384, r=8)")
    return Recognised(name, True)


def _pbkdf2(digest: str, iterations: int, encoding: str) -> Recognised:
    name = f"PBKDF2-{digest.upper()} ({encoding}) {iterations} iterations"
    least = PBKDF2_MIN.get(digest)
    if least is None:
        return Recognised(name, False, f"PBKDF2 with {digest.upper()} is not one the spec "
                                       "accepts (SHA-256, SHA-512)")
    if iterations < least:
        return Recognised(name, False, f"{iterations} iterations is below {least:,}")
    return Recognised(name, True)


def recognise(value: str) -> Recognised | None:
    """What ``value`` is as a password hash, or None when it looks like none kata knows."""
    value = value.strip()
    if m := _BCRYPT.match(value):
        return _bcrypt(m)
    if m := _ARGON2.match(value):
        return _argon2(m)
    if m := _PHC_SCRYPT.match(value):
        params = _params(m.group(1))
        n = 2 ** params["ln"] if "ln" in params else params.get("n", 0)
        return _scrypt(n, params.get("r", 0), params.get("p", 0), "PHC/passlib")
    if m := _WERKZEUG_SCRYPT.match(value):
        return _scrypt(int(m.group(1)), int(m.group(2)), int(m.group(3)), "Werkzeug")
    if m := _DJANGO_SCRYPT.match(value):
        return _scrypt(int(m.group(1)), int(m.group(2)), int(m.group(3)), "Django")
    if m := _PASSLIB_PBKDF2.match(value):
        return _pbkdf2(m.group(1), int(m.group(2)), "passlib")
    if m := _PHC_PBKDF2.match(value):
        return _pbkdf2(m.group(1), _params(m.group(2)).get("i", 0), "PHC")
    if m := _DJANGO_PBKDF2.match(value):
        return _pbkdf2(m.group(1), int(m.group(2)), "Django")
    if m := _WERKZEUG_PBKDF2.match(value):
        count = int(m.group(2)) if m.group(2) else _WERKZEUG_DEFAULT_PBKDF2
        return _pbkdf2(m.group(1), count, "Werkzeug")
    if m := _CRYPT.match(value):
        name = {"1": "md5-crypt", "5": "sha256-crypt", "6": "sha512-crypt"}[m.group(1)]
        return Recognised(name, False, f"{name} ($" + m.group(1) + "$) is not one of the slow "
                                       "KDFs the spec accepts")
    if _HEX.match(value) and len(value) in _HEX_DIGESTS:
        what = _HEX_DIGESTS[len(value)]
        return Recognised(what, False, "fast to guess, and the same for everyone with that "
                                       "password")
    return None
