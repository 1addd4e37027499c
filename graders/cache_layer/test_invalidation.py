"""invalidation: a PUT through the app is never followed by a stale read."""

from __future__ import annotations

from kata.testing import requirement

from ._client import CURRENCIES, Api, expect, json_of


@requirement("invalidation")
def test_a_put_shows_on_the_next_get_in_every_currency(api: Api) -> None:
    # A product per currency, each cached in that one only: the check of every currency's
    # invalidation then does not depend on the cache key's (that is cache-key's check).
    for currency in CURRENCIES:
        pid = api.cold()
        for _ in range(2):  # cached, then read from the cache
            api.check_record(api.get(pid, currency), pid, currency, why="before the PUT")
        change = {"name": f"Renamed {api.rng.randrange(16**8):08x}",
                  "price": api.rng.randrange(100, 100_000) / 100}
        r = api.http.put(f"/products/{pid}", json=change)
        expect(r, 200, why="a valid change of the product")
        answer = json_of(r)
        if not isinstance(answer, dict) or answer.get("name") != change["name"]:
            raise AssertionError(f"PUT /products/{pid} → expected the upstream's updated "
                                 f"record, named {change['name']!r}, got {answer!r:.200}")
        assert api.upstream.record(pid)["name"] == change["name"], (
            f"PUT /products/{pid} answered 200, but the upstream's record was not changed: "
            f"forward the PUT to $UPSTREAM_URL/products/{pid}")
        api.check_record(api.get(pid, currency), pid, currency,
                         why=f"right after PUT /products/{pid} changed it, having read it in "
                             f"{currency}: no stale cached answer")
