"""The cache-layer reference: a product API in front of a slow upstream, cached in Redis.

GET /products/{id}?currency=C looks in Redis first (key product:{id}:{C}); on a miss one
request per key fetches the upstream (single-flight) and stores its 200 answer with a TTL.
PUT /products/{id} writes through to the upstream and deletes every cached currency of the
product. Redis is optional: its errors make the request a miss (a short timeout, and a
pause of PAUSE_S before trying Redis again), never a 500.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

UPSTREAM_URL = os.environ.get("UPSTREAM_URL", "http://upstream:8080").rstrip("/")
REDIS_URL = os.environ.get("REDIS_URL", "redis://localhost:6379/0")
CACHE_TTL_S = int(os.environ.get("CACHE_TTL_S", "30"))
CURRENCIES = ("USD", "EUR", "GBP")
PAUSE_S = 1.0  # after a Redis error, go straight to the upstream for this long

log = logging.getLogger("cache")
# Fail fast (no retries, 0.5 s timeouts): a cache that is down must cost little.
redis = Redis.from_url(REDIS_URL, socket_connect_timeout=0.5, socket_timeout=0.5,
                       retry=Retry(NoBackoff(), 0), health_check_interval=5)
upstream = httpx.AsyncClient(base_url=UPSTREAM_URL, timeout=10.0,
                             limits=httpx.Limits(max_connections=100))
_down_until = 0.0
_inflight: dict[str, asyncio.Future[tuple[int, bytes]]] = {}


@asynccontextmanager
async def lifespan(_: FastAPI):
    yield
    await upstream.aclose()
    await redis.aclose()


app = FastAPI(lifespan=lifespan)


def cache_key(product_id: int, currency: str) -> str:
    return f"product:{product_id}:{currency}"


async def _cache(op: Callable[[], Awaitable[object]]) -> object:
    """Run a Redis command, or give None while Redis is failing."""
    global _down_until
    if time.monotonic() < _down_until:
        return None
    try:
        return await op()
    except (RedisError, OSError) as e:
        log.warning("redis unavailable (%s): serving from the upstream", e)
        _down_until = time.monotonic() + PAUSE_S
        return None


async def cache_get(key: str) -> bytes | None:
    got = await _cache(lambda: redis.get(key))
    return got if isinstance(got, bytes) else None


async def cache_set(key: str, body: bytes) -> None:
    await _cache(lambda: redis.set(key, body, ex=CACHE_TTL_S))


async def cache_delete(*keys: str) -> None:
    await _cache(lambda: redis.delete(*keys))


async def single_flight(key: str, load: Callable[[], Awaitable[tuple[int, bytes]]]
                        ) -> tuple[int, bytes]:
    """Run ``load`` once for every concurrent caller with the same key."""
    running = _inflight.get(key)
    if running is not None:
        return await asyncio.shield(running)
    future: asyncio.Future[tuple[int, bytes]] = asyncio.get_running_loop().create_future()
    _inflight[key] = future
    try:
        result = await load()
    except BaseException as e:
        future.set_exception(e)
        future.exception()  # retrieved: no warning when no one else waited
        raise
    finally:
        if _inflight.get(key) is future:
            del _inflight[key]
    future.set_result(result)
    return result


def json_answer(status: int, body: bytes) -> Response:
    return Response(content=body, status_code=status, media_type="application/json")


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/products/{product_id}")
async def read_product(product_id: int, currency: str = "USD") -> Response:
    key = cache_key(product_id, currency)
    cached = await cache_get(key)
    if cached is not None:
        return json_answer(200, cached)

    async def load() -> tuple[int, bytes]:
        again = await cache_get(key)  # filled while this request waited for its turn
        if again is not None:
            return 200, again
        r = await upstream.get(f"/products/{product_id}", params={"currency": currency})
        if r.status_code == 200:
            await cache_set(key, r.content)
        return r.status_code, r.content

    return json_answer(*await single_flight(key, load))


@app.put("/products/{product_id}")
async def write_product(product_id: int, request: Request) -> Response:
    body = await request.body()
    r = await upstream.put(f"/products/{product_id}", content=body,
                           headers={"content-type": "application/json"})
    if r.status_code == 200:
        for currency in CURRENCIES:  # a GET in flight must not be joined after the write
            _inflight.pop(cache_key(product_id, currency), None)
        await cache_delete(*(cache_key(product_id, c) for c in CURRENCIES))
    return json_answer(r.status_code, r.content)


@app.exception_handler(httpx.HTTPError)
async def upstream_failed(_: Request, e: httpx.HTTPError) -> JSONResponse:
    return JSONResponse({"detail": f"the upstream did not answer: {e}"}, status_code=502)
