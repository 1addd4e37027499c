"""throttle: from 5 failed logins for one account within a minute on, its logins answer
429 with Retry-After (the right password too); another account logs in from the same
client meanwhile, which is how kata tells an account's throttle from a client address's
(all of kata's requests come from one address). Fewer failures lock nothing."""

from __future__ import annotations

from kata.testing import describe, requirement

from ._client import Api, expect, said

LIMIT = 5
MAX_RETRY_AFTER_S = 60


@requirement("throttle")
def test_four_failures_do_not_lock_the_account(api: Api) -> None:
    account = api.register()
    for n in range(1, LIMIT):
        r = api.try_login(account.email, api.password())
        expect(r, 401, why=f"wrong password #{n}: fewer than {LIMIT} failures throttle nothing")
    r = api.try_login(account.email, account.password)
    expect(r, 200, why=f"the right password after {LIMIT - 1} failures")


@requirement("throttle")
def test_five_failures_lock_the_account_not_the_client(api: Api) -> None:
    account, other = api.register(), api.register()
    for n in range(1, LIMIT + 1):
        r = api.try_login(account.email, api.password())
        expect(r, 401, why=f"wrong password #{n} of {LIMIT}")
    r = api.try_login(account.email, account.password)
    if r.status_code != 429:
        raise AssertionError(f"{said(r)} (the right password, right after {LIMIT} failures) → "
                             f"expected 429 with Retry-After, got {describe(r)}: the account "
                             "must stay locked, or guessing goes on at full speed")
    wait = r.headers.get("retry-after", "").strip()
    if not wait.isdigit() or not 1 <= int(wait) <= MAX_RETRY_AFTER_S:
        raise AssertionError(f"{said(r)} → 429, but Retry-After is {wait or 'missing'!r}: "
                             f"expected whole seconds from 1 to {MAX_RETRY_AFTER_S}")
    r = api.try_login(other.email, other.password)
    expect(r, 200, why="another account from the same client: the throttle is per account, "
                       "not per client address")
