"""user-auth's hash-format recogniser (graders/user_auth/_hashes.py), without Docker: a real
hash of every format it accepts, and of those it names and refuses. The fixtures were made
by the libraries that write them (bcrypt 4, argon2-cffi 23, passlib 1.7, Werkzeug 3,
hashlib the way Django does), each of the password "correct horse battery"."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest
from _graders import grader_module

GRADERS = Path(__file__).resolve().parent.parent / "graders" / "user_auth"


def _load(name: str) -> ModuleType:
    return grader_module("user_auth", name)


hashes = _load("_hashes")

ACCEPTED = {
    "bcrypt $2b$ cost 10": "$2b$10$XiN7n/3I57K6bOvw3JVXM.ZEPOU/s7M15cJAx2VlAFbIE22Ms9y4C",
    "bcrypt $2b$ cost 12": "$2b$12$PCaE6XClm2SJUUm7rIQHbOAP04ci38/cy2xTXrRv2/a2Uwzpv3mHe",
    "bcrypt $2a$ cost 10": "$2a$10$QM3qzZYpsPRj/sD94Idg5.x8HA5ugKSiwuL8POBcyVDhvNz1q1feO",
    "bcrypt $2y$ cost 10 (PHP)": "$2y$10$XiN7n/3I57K6bOvw3JVXM.ZEPOU/s7M15cJAx2VlAFbIE22Ms9y4C",
    "argon2id (argon2-cffi default)":
        "$argon2id$v=19$m=65536,t=3,p=4$TwDekfj1OxDuLteWG3X+Ww$u+HVjiJWMDGnWR//jBtcZaPM0L2bjWMd"
        "+kX/8Arojz4",
    "argon2id m=19 MiB, t=2 (OWASP)":
        "$argon2id$v=19$m=19456,t=2,p=1$DwFy1gDDz3CsUu332FDaAg$262Ltqfl/Uy3Rh1/QyK+047f7CKZsyph"
        "tWyuDlq/tms",
    "argon2id (passlib)":
        "$argon2id$v=19$m=65536,t=3,p=4$CuHcu1dKiRFiLGWMsba2Vg$GNmQW5LXw40FCgCdb1VFPiTAhWsu0RsL"
        "Rp2YxsndHvs",
    "scrypt (passlib, ln=16)":
        "$scrypt$ln=16,r=8,p=1$nJNyTilFKGVMSWltDWHsvQ$bAq7ylKWZVB397A78NwD6Q6o1CUE/cyN9fxA6WGj"
        "WYw",
    "scrypt (Werkzeug)":
        "scrypt:32768:8:1$CQEAAAPN8bR7uqCf$83308b41d3e82e54ef2427dd80eebd5b00c5b908e4032135ac9c"
        "713d2d4705232340f1cb9567400cd14ce0ab27d2594f26f766a74237475c3bea5bd25322a024",
    "scrypt (Django)":
        "scrypt$16384$Zx8kQ2mLr7VbYp1c$8$1$7cygzV0bqbumMTi2lhYfJwFUniL16v4lxgCEiOW8R1eAJEjRzgeT"
        "8Mk6FRFQ6QzAD+jrGHrEF1CMZYO1cD3hzg==",
    "PBKDF2-SHA256 (Werkzeug, 1,000,000)":
        "pbkdf2:sha256:1000000$e2O9iEgEUMJHl3S2$80b746c4d2c8a44bb19e0de033b14e0ec7af868ef4a3e6"
        "423c0ab60158cc4c6b",
    "PBKDF2-SHA256 (passlib, 600,000)":
        "$pbkdf2-sha256$600000$o5TS2juntHbuHYPwfi8l5A$LsHlvk6Cb8/pcVD7i7awPGjLIUtAZ/CxK5/KkOxyE"
        "8E",
    "PBKDF2-SHA256 (PHC, i=600000)":
        "$pbkdf2-sha256$i=600000,l=32$o5TS2juntHbuHYPwfi8l5A$LsHlvk6Cb8/pcVD7i7awPGjLIUtAZ/CxK5"
        "/KkOxyE8E",
    "PBKDF2-SHA256 (Django, 600,000)":
        "pbkdf2_sha256$600000$Zx8kQ2mLr7VbYp1c$/1I0PNNDNSgB56LvUua63y9PHEHKR/TOcoGWGYZLHfw=",
    "PBKDF2-SHA512 (passlib, 210,000)":
        "$pbkdf2-sha512$210000$T8n5X0up1ZqTUorx/r8Xog$s2D37taHbdW7RrPcQgaHVFYNhJ/0.IcQlPgJtC/o0"
        "kBgu6z51iTfToE5dCzucQ2DUv3w0ha/usHI.2s4i36xNg",
}

REFUSED = {
    "md5 hex": ("88e4ddd2402d92d50e1879d6ecd9ffd4", "MD5"),
    "sha1 hex": ("98decc62ece399a22ed30d490ef333be7fde7385", "SHA-1"),
    "sha256 hex": ("9028ea0d15decaa35b2da21c0290af3b1a5ba0a30a591906f89b5074e209ea72",
                   "SHA-256"),
    "sha256 HEX": ("9028EA0D15DECAA35B2DA21C0290AF3B1A5BA0A30A591906F89B5074E209EA72",
                   "SHA-256"),
    "sha512 hex": ("cef61e4e4eda7ba8a2feaa120617fcf7a513ad9204423b25e243b7d3f556f92853e95b156a"
                   "daffdd9a27d0e50736ad6a6bbcc50ce8a9bd35162f7d799e89a521", "SHA-512"),
    "bcrypt cost 4": ("$2b$04$7T1gir0l6anCJ0dxy39GG.10EKmXiMYPZUXOhBCwxqsmK4/G9gagC",
                      "cost 4"),
    "PBKDF2 1000 (Werkzeug)": ("pbkdf2:sha256:1000$zPFIo4F3niHc3GTS$4f8ca71bc48d9788e49c5b6b57"
                               "a7dbbfb8fb52ea3499d69c6fc234728abde675", "1000 iterations"),
    "PBKDF2 1000 (Django)": ("pbkdf2_sha256$1000$Zx8kQ2mLr7VbYp1c$cA+oV6TuUNjWpnEbndFHM4AWEzXu"
                             "itnZNwdsccpF+h8=", "1000 iterations"),
    "PBKDF2 29000 (passlib's default)": ("$pbkdf2-sha256$29000$8F7rnZMyRogRAkAoJaQUwg$B45z.YNo"
                                         "wRed3uf79UW9rLszqwrrhlWjdFk2u0uTGHQ",
                                         "29000 iterations"),
    "argon2id m=8 MiB, t=1": ("$argon2id$v=19$m=8192,t=1,p=1$t1mt6LZmPTZXac/VAO7qkQ$RE2gXA7zk"
                              "1pXX92wWPCVTLLPbNixZQtlYLE/Jjw/DiI", "m × t"),
    "argon2i": ("$argon2i$v=19$m=65536,t=3,p=4$iU4mjuk0EB7DIAdAeHmZug$05Hl6gUZ2CRE57q0i7Lfq0f/"
                "BOMugQ/DRHGEQHCEoRI", "not argon2id"),
    "scrypt ln=10 (passlib)": ("$scrypt$ln=10,r=8,p=1$9X7PmRPiPEfIeY9xLmUMgQ$OJNUaTJV3o7gt62D4c"
                               "doOyoSDDfa3DxlmEV6lKXEmho", "N × r"),
    "md5-crypt": ("$1$4aTjagVP$Q.S1Ox7Q3.YZYEtRS0sZS0", "md5-crypt"),
    "sha512-crypt": ("$6$rounds=656000$6tKfVgowa8mczRa8$Dgem1mz5xe3Gfgosk6fwEaUIRA2s2J7wbGpxK9w"
                     "/gT4JqlOguVG4Nv.TIo1PVY/gVNH.bmwy0ef6DH4CVSXxN0", "sha512-crypt"),
}

NOT_HASHES = ["correct horse battery", "kata.0123456789@example.com", "", "2026-11-30",
              "$2b$10$tooShort", "scrypt:16384:8:1", "pbkdf2_sha256$", "0123456789abcdef",
              "\\x9028ea0d15decaa35b2da21c0290af3b"]


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_every_accepted_format_is_recognised_and_accepted(name: str) -> None:
    got = hashes.recognise(ACCEPTED[name])
    assert got is not None and got.accepted, (name, got)
    assert got.why == ""


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_every_refused_format_is_named_with_the_reason(name: str) -> None:
    value, reason = REFUSED[name]
    got = hashes.recognise(value)
    assert got is not None and not got.accepted, (name, got)
    assert reason in f"{got.scheme} {got.why}", (name, got)


@pytest.mark.parametrize("value", NOT_HASHES)
def test_what_is_no_hash_is_not_recognised(value: str) -> None:
    assert hashes.recognise(value) is None


@pytest.mark.parametrize("cost,accepted", [(9, False), (10, True), (31, True)])
def test_the_bcrypt_cost_bound_is_10(cost: int, accepted: bool) -> None:
    body = ACCEPTED["bcrypt $2b$ cost 10"][7:]
    got = hashes.recognise(f"$2b${cost:02d}${body}")
    assert got is not None and got.accepted is accepted


@pytest.mark.parametrize("iterations,accepted", [(599_999, False), (600_000, True)])
def test_the_pbkdf2_sha256_bound_is_600000(iterations: int, accepted: bool) -> None:
    value = ACCEPTED["PBKDF2-SHA256 (Django, 600,000)"].replace("$600000$", f"${iterations}$")
    got = hashes.recognise(value)
    assert got is not None and got.accepted is accepted


@pytest.mark.parametrize("n,accepted", [(8192, False), (16384, True)])
def test_the_scrypt_bound_is_16_mib(n: int, accepted: bool) -> None:
    value = ACCEPTED["scrypt (Werkzeug)"].replace("scrypt:32768:", f"scrypt:{n}:")
    got = hashes.recognise(value)
    assert got is not None and got.accepted is accepted


def test_the_table_in_the_spec_names_every_accepted_family() -> None:
    spec = (Path(__file__).resolve().parent.parent / "exercises" / "user-auth" /
            "spec.md").read_text(encoding="utf-8")
    for shown in ("$2b$10$", "$argon2id$v=19$m=", "$scrypt$ln=", "scrypt:32768:8:1$",
                  "scrypt$16384$", "pbkdf2_sha256$600000$", "pbkdf2:sha256:600000$",
                  "$pbkdf2-sha256$600000$", "$pbkdf2-sha256$i=600000"):
        assert shown in spec, shown
