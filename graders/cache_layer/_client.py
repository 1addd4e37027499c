"""What the cache-layer grader tests share: products no one has read yet (the upstream's
own counter says so), the app's answers checked against the upstream's record, the
upstream's admin API (call counters, records read at once and uncounted), and the keys the
app stored in Redis with their TTLs.

kata owns the upstream (kata/slow-upstream) and the Redis service: what they answer kata
itself is trusted to be well-formed (a surprise there is kata's fault, raised as such);
everything the app answers is checked, and a wrong answer becomes a message that says
what was sent, what was expected and what came back."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx

from kata.testing import (
    GradedApp,
    capped_client,
    describe,
    expect,
    json_of,
    said,
    trim,
)

UPSTREAM = "upstream"  # the services' names in exercise.toml
CACHE = "cache"
UPSTREAM_PORT = 8080
PRODUCTS = 100_000  # the upstream's ids are 1..PRODUCTS (its env in exercise.toml)
CURRENCIES = ("USD", "EUR", "GBP")
FIELDS = ("id", "name", "price", "currency", "version")
MAX_KEYS = 1000  # the most keys kata lists from Redis
KEY_CHARS = 200  # of each key's name: the listing stays far below exec's 1 MB cap


class UpstreamTrouble(RuntimeError):
    """kata's upstream or Redis answered what they never should to kata's own request:
    kata's fault, not the learner's (a RuntimeError is reported as a grader error)."""


def matches(r: httpx.Response, want: dict[str, Any]) -> bool:
    """200 with a JSON object whose record fields are ``want``'s."""
    if r.status_code != 200:
        return False
    try:
        got = r.json()
    except ValueError:
        return False
    return isinstance(got, dict) and all(got.get(f) == want[f] for f in FIELDS)


class Upstream:
    """The upstream's admin API, as kata's host reaches it."""

    def __init__(self, app: GradedApp) -> None:
        url = app.services[UPSTREAM].address(UPSTREAM_PORT).url
        self.http = capped_client(url, 10.0)

    def close(self) -> None:
        self.http.close()

    def _json(self, r: httpx.Response) -> Any:
        try:
            if r.status_code == 200:
                return r.json()
        except ValueError:
            pass
        raise UpstreamTrouble(f"kata's upstream answered {said(r)} with {describe(r)}")

    def calls(self, product_id: int, method: str = "GET") -> int:
        """How many times the app called ``method /products/{id}`` on the upstream."""
        got = self._json(self.http.get("/_admin/calls",
                                       params={"path": f"/products/{product_id}"}))
        return int(got[method])

    def record(self, product_id: int, currency: str = "USD") -> dict[str, Any]:
        """The upstream's record as GET /products/{id} answers it now (uncounted)."""
        r = self.http.get(f"/_admin/products/{product_id}", params={"currency": currency})
        return dict(self._json(r))


class Api:
    """The app's product API as one grader test uses it."""

    def __init__(self, app: GradedApp, upstream: Upstream, salt: str) -> None:
        self.app = app
        self.upstream = upstream
        self.rng = app.rng(salt)
        self.used: set[int] = set()

    @property
    def http(self) -> httpx.Client:
        return self.app.http  # not cached: app.restart() replaces the client

    def cold(self) -> int:
        """A product the app has never asked the upstream for (its counter is 0)."""
        for _ in range(50):
            pid = self.rng.randrange(1, PRODUCTS + 1)
            if pid not in self.used and self.upstream.calls(pid) == 0:
                self.used.add(pid)
                return pid
        raise UpstreamTrouble("kata found no product the app had not read yet")

    def get(self, product_id: int, currency: str | None = None,
            client: httpx.Client | None = None) -> httpx.Response:
        params = {"currency": currency} if currency else None
        return (client or self.http).get(f"/products/{product_id}", params=params)

    def timed_get(self, product_id: int, currency: str | None = None) -> tuple[httpx.Response,
                                                                               float]:
        started = time.perf_counter()
        r = self.get(product_id, currency)
        return r, (time.perf_counter() - started) * 1000

    def check_record(self, r: httpx.Response, product_id: int, currency: str = "USD",
                     why: str = "") -> dict[str, Any]:
        """The answer is 200 with the upstream's current record in ``currency``."""
        expect(r, 200, why=why)
        got = json_of(r)
        want = self.upstream.record(product_id, currency)
        if not matches(r, want):
            because = f" ({why})" if why else ""
            shown = {f: want[f] for f in FIELDS}
            raise AssertionError(f"{said(r)}{because} → expected the upstream's record "
                                 f"{json.dumps(shown)}, got {describe(r)}")
        return got


def redis_keys(app: GradedApp) -> dict[str, int]:
    """Every key in the app's Redis (at most MAX_KEYS) and its PTTL: -1 for none."""
    script = (
        "local out = {} "
        "for i, k in ipairs(redis.call('KEYS', '*')) do "
        f"  if i > {MAX_KEYS} then break end "
        f"  out[#out + 1] = {{string.sub(k, 1, {KEY_CHARS}), redis.call('PTTL', k)}} "
        "end "
        "return cjson.encode(out)"
    )
    # cjson escapes every control character: the answer is one line of JSON, printed raw
    done = app.services[CACHE].exec(["redis-cli", "--raw", "EVAL", script, "0"],
                                    timeout_s=10)
    text = done.stdout.strip()
    if done.timed_out:  # what the app stored makes KEYS slow: millions of keys
        raise AssertionError("kata's Redis took over 10 s to list the app's keys (KEYS *): "
                             "keep one key per cached answer, each with a TTL")
    if done.code != 0 or not text.startswith(("[", "{")):
        raise UpstreamTrouble(f"redis-cli EVAL in kata's Redis failed ({done.code}): "
                              f"{trim(done.stdout + done.stderr, 300)}")
    try:
        pairs = json.loads(text)
    except ValueError:
        raise UpstreamTrouble(f"kata could not read Redis' keys: {trim(text, 300)}") from None
    return {} if isinstance(pairs, dict) else {str(k): int(t) for k, t in pairs}
