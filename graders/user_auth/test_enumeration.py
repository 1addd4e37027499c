"""no-enumeration (bonus): logins for unknown emails and wrong passwords for known ones,
interleaved, answer alike — the same statuses, the same bodies (a 429's body may differ:
its wait does) — and take alike long: the median time of the unknown-email logins is
between MIN_RATIO and MAX_RATIO times the wrong passwords'. Once throttled, an unknown
email answers as a known one does."""

from __future__ import annotations

import statistics
from typing import Any

import httpx

from kata.testing import GradedApp, describe, requirement

from ._client import Api, said

ACCOUNTS = 4
TRIES_EACH = 3  # per account: below the 5 failures that throttle it
SAMPLES = ACCOUNTS * TRIES_EACH
MIN_RATIO, MAX_RATIO = 0.5, 2.0


def _answer(r: httpx.Response) -> tuple[int, Any]:
    """What a caller sees of a login answer: its status and body (parsed when JSON); a
    429's body is left out, since the wait it may name changes by the second."""
    if r.status_code == 429:
        return 429, "Retry-After" if "retry-after" in r.headers else "no Retry-After"
    try:
        return r.status_code, r.json()
    except ValueError:
        return r.status_code, r.text


@requirement("no-enumeration")
def test_an_unknown_email_answers_like_a_wrong_password(app: GradedApp, api: Api) -> None:
    accounts = [api.register() for _ in range(ACCOUNTS)]
    known: list[httpx.Response] = []
    unknown: list[httpx.Response] = []
    for i in range(SAMPLES):
        wrong = (known, accounts[i % ACCOUNTS].email)
        stranger = (unknown, api.email())
        for answers, email in ((wrong, stranger) if i % 2 == 0 else (stranger, wrong)):
            answers.append(api.try_login(email, api.password()))  # neither always first
    seen_known = {repr(_answer(r)): r for r in known}
    seen_unknown = {repr(_answer(r)): r for r in unknown}
    only_known = [r for a, r in seen_known.items() if a not in seen_unknown]
    only_unknown = [r for a, r in seen_unknown.items() if a not in seen_known]
    if only_known or only_unknown:
        k = (only_known or list(seen_known.values()))[0]
        u = (only_unknown or list(seen_unknown.values()))[0]
        raise AssertionError(f"a wrong password and an unknown email answer differently, which "
                             f"tells a caller which emails have accounts: {said(k)} → "
                             f"{describe(k)}, but {said(u)} → {describe(u)}")
    t_known = statistics.median(r.elapsed.total_seconds() for r in known) * 1000
    t_unknown = statistics.median(r.elapsed.total_seconds() for r in unknown) * 1000
    ratio = t_unknown / t_known if t_known > 0 else 1.0
    app.measure(f"median login time: unknown email {t_unknown:.1f} ms, wrong password "
                f"{t_known:.1f} ms (ratio {ratio:.2f})", enumeration_ratio=round(ratio, 3))
    if not MIN_RATIO <= ratio <= MAX_RATIO:
        raise AssertionError(
            f"over {SAMPLES} logins of each kind, interleaved, the median unknown-email login "
            f"took {t_unknown:.1f} ms and the median wrong-password login {t_known:.1f} ms "
            f"(ratio {ratio:.2f}, expected {MIN_RATIO}–{MAX_RATIO}): the time tells which "
            "emails have accounts; check the password against a dummy hash of the same KDF "
            "when the email is unknown")


@requirement("no-enumeration")
def test_a_throttled_unknown_email_answers_like_a_throttled_account(api: Api) -> None:
    account, stranger = api.register(), api.email()
    last: dict[str, httpx.Response] = {}
    for _ in range(6):  # the sixth comes after five failures in a few seconds
        last["known"] = api.try_login(account.email, api.password())
        last["unknown"] = api.try_login(stranger, api.password())
    k, u = last["known"], last["unknown"]
    if _answer(k) != _answer(u):
        raise AssertionError(f"after 5 failed logins each, the sixth for an account and for an "
                             f"unknown email answer differently: {said(k)} → {describe(k)}, but "
                             f"{said(u)} → {describe(u)}; count failures by the email asked "
                             "for, whether or not it has an account")
