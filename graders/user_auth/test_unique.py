"""unique-email: 20 sign-ups with one email, sent at once (each on its own connection,
released together): exactly one answers 201, the other 19 answer 409, and no table holds
two rows with that email."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx

from kata.testing import GradedApp, describe, requirement

from . import _db
from ._client import Api

RACERS = 20
BARRIER_S = 20


def _sign_up(app: GradedApp, gate: threading.Barrier, body: dict[str, str]) -> str:
    """One racer: its own connection, opened before the gate, so the 20 requests leave
    together. Its answer as one short line (a status first)."""
    with app.client() as client:
        try:
            client.get("/health")  # the connection is open before the race starts
        except httpx.HTTPError:
            pass
        try:
            gate.wait()
        except threading.BrokenBarrierError:
            return "kata could not start the racers together"
        try:
            return describe(client.post("/auth/register", json=body))
        except httpx.HTTPError as e:
            return f"no answer ({type(e).__name__})"


@requirement("unique-email")
def test_twenty_simultaneous_sign_ups_make_one_account(app: GradedApp, api: Api) -> None:
    body = api.credentials()
    gate = threading.Barrier(RACERS, timeout=BARRIER_S)
    with ThreadPoolExecutor(RACERS) as pool:
        answers = list(pool.map(lambda _: _sign_up(app, gate, body), range(RACERS)))
    statuses = Counter(a.split(" ", 1)[0] for a in answers)
    if "kata" in statuses:
        raise RuntimeError("kata could not release the 20 sign-ups together")  # kata's fault
    shown = ", ".join(f"{n} × {s}" for s, n in sorted(statuses.items()))
    sample = next((a for a in answers if not a.startswith(("201", "409"))), answers[0])
    if statuses["201"] != 1 or statuses["409"] != RACERS - 1:
        raise AssertionError(
            f"{RACERS} × POST /auth/register {body['email']} at once → expected one 201 and "
            f"{RACERS - 1} × 409, got {shown} (e.g. {sample}); a SELECT then an INSERT lets "
            "every request that checked before the first insert through: let a UNIQUE "
            "constraint decide")
    holding = Counter(row.table for row in _db.rows(app, [body["email"]])
                      if row.holds(body["email"]))
    twice = {t: n for t, n in holding.items() if n > 1}
    if twice or not holding:
        where = ", ".join(f"{t}: {n} rows" for t, n in twice.items()) or "no table holds it"
        raise AssertionError(f"after {RACERS} simultaneous sign-ups with {body['email']} (one "
                             f"201), the database should hold one row with it — {where}")
