"""The url-shortener reference: short links in PostgreSQL, resolved through Redis.

POST /links stores a link under a random code (7 characters of [0-9A-Za-z], drawn again on a
collision) or the caller's alias; GET /{code} answers 302 to its URL, 404 for an unknown
code and 410 for an expired one, and counts the click with one atomic UPDATE. A redirect
reads the link from Redis (link:{code}, the URL and its expiry); only a miss reads the
database, and Redis errors make the request a miss, never a 500.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import secrets
import string
import time
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import psycopg
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from . import db

DATABASE_URL = os.environ.get("DATABASE_URL", "postgresql://kata:kata@localhost:5432/kata")
REDIS_URL = os.environ.get("REDIS_URL", "redis://localhost:6379/0")
ALPHABET = string.digits + string.ascii_letters
CODE_LENGTH = 7
MAX_ATTEMPTS = 20  # draws of a random code before giving up (a 503)
ALIAS = re.compile(r"[A-Za-z0-9_-]{3,32}")
RESERVED = {"health", "links"}
MAX_URL = 2048
MAX_EXPIRES_IN = 365 * 24 * 3600
CACHE_TTL_S = 3600
CLICK_TIMEOUT_S = 2.0

log = logging.getLogger("shortener")
redis = Redis.from_url(REDIS_URL, socket_connect_timeout=0.5, socket_timeout=0.5,
                       retry=Retry(NoBackoff(), 0), health_check_interval=5)


@asynccontextmanager
async def lifespan(app: FastAPI):
    app.state.pool = await db.connect(DATABASE_URL)
    await db.migrate(app.state.pool)
    yield
    await app.state.pool.close()
    await redis.aclose()


app = FastAPI(lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)


def problem(status: int, detail: str) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status)


def instant(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else None


def link_json(row: dict[str, Any]) -> dict[str, Any]:
    return {"code": row["code"], "url": row["url"], "created_at": instant(row["created_at"]),
            "expires_at": instant(row["expires_at"]), "clicks": row["clicks"]}


def url_error(url: Any) -> str | None:
    """Why ``url`` cannot be a link's target, or None: an absolute http(s) URL with a host,
    at most 2,048 characters, no whitespace or control characters."""
    if not isinstance(url, str):
        return "url must be a string"
    if len(url) > MAX_URL:
        return f"url must be at most {MAX_URL} characters"
    if not url.isascii() or any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        return "url must be ASCII (percent-encoded), without whitespace or control characters"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 — raises on a port that is not a number
    except ValueError:
        return "url is not a valid URL"
    if parts.scheme.lower() not in ("http", "https"):
        return "url must be an absolute http:// or https:// URL"
    if not parts.hostname:
        return "url must name a host"
    return None


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/links")
async def create_link(request: Request) -> Response:
    try:
        body = await request.json()
    except ValueError:
        return problem(422, "the body must be a JSON object")
    if not isinstance(body, dict):
        return problem(422, "the body must be a JSON object")
    url = body.get("url")
    if (why := url_error(url)) is not None:
        return problem(422, why)
    alias = body.get("alias")
    if alias is not None and (not isinstance(alias, str) or not ALIAS.fullmatch(alias)):
        return problem(422, "alias must be 3-32 characters of A-Z, a-z, 0-9, _ and -")
    expires_in = body.get("expires_in")
    if expires_in is not None and (not isinstance(expires_in, int) or isinstance(expires_in, bool)
                                   or not 1 <= expires_in <= MAX_EXPIRES_IN):
        return problem(422, f"expires_in must be an integer from 1 to {MAX_EXPIRES_IN}")
    expires_at = (datetime.now(UTC) + timedelta(seconds=expires_in)) if expires_in else None
    if alias is not None and alias.lower() in RESERVED:
        return problem(409, f"the alias {alias!r} is taken")
    pool = request.app.state.pool
    for _ in range(1 if alias is not None else MAX_ATTEMPTS):
        code = alias if alias is not None else "".join(
            secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
        async with pool.connection() as conn:
            cur = await conn.execute(
                "INSERT INTO links (code, url, expires_at) VALUES (%s, %s, %s) "
                "ON CONFLICT (code) DO NOTHING RETURNING *", (code, url, expires_at))
            row = await cur.fetchone()
        if row is not None:
            return JSONResponse(link_json(row), status_code=201)
    if alias is not None:
        return problem(409, f"the alias {alias!r} is taken")
    return problem(503, "no free code found; try again")


# -- the cache ---------------------------------------------------------------------------
_down_until = 0.0


async def cached(code: str) -> dict[str, Any] | None:
    global _down_until
    if time.monotonic() < _down_until:
        return None
    try:
        raw = await redis.get(f"link:{code}")
    except (RedisError, OSError) as e:
        log.warning("redis unavailable (%s): reading the database", e)
        _down_until = time.monotonic() + 1.0
        return None
    return json.loads(raw) if raw else None


async def remember(code: str, link: dict[str, Any]) -> None:
    global _down_until
    ttl = CACHE_TTL_S
    if link["expires_at"] is not None:  # kept past the expiry: the 410 comes from the cache too
        ttl = max(1, min(ttl, int(link["expires_at"] - time.time()) + 60))
    try:
        await redis.set(f"link:{code}", json.dumps(link), ex=ttl)
    except (RedisError, OSError) as e:
        log.warning("redis unavailable (%s): link not cached", e)
        _down_until = time.monotonic() + 1.0


async def count_click(pool: Any, code: str) -> None:
    """One atomic increment in the database: concurrent clicks are never lost. A database
    that is down loses the click, not the redirect."""
    async def update() -> None:
        async with pool.connection(timeout=CLICK_TIMEOUT_S) as conn:
            await conn.execute("UPDATE links SET clicks = clicks + 1 WHERE code = %s", (code,))
    try:
        await asyncio.wait_for(update(), CLICK_TIMEOUT_S)
    except (psycopg.Error, OSError, TimeoutError) as e:
        log.warning("click on %s not counted: %s", code, e)


@app.get("/links/{code}/stats")
async def stats(code: str, request: Request) -> Response:
    if "\x00" in code:
        return problem(404, "no link has this code")
    async with request.app.state.pool.connection() as conn:
        cur = await conn.execute("SELECT * FROM links WHERE code = %s", (code,))
        row = await cur.fetchone()
    if row is None:
        return problem(404, "no link has this code")
    return JSONResponse(link_json(row))


@app.get("/{code}")
async def follow(code: str, request: Request) -> Response:
    if "\x00" in code:
        return problem(404, "no link has this code")
    pool = request.app.state.pool
    link = await cached(code)
    if link is None:
        async with pool.connection() as conn:
            cur = await conn.execute("SELECT url, expires_at FROM links WHERE code = %s",
                                     (code,))
            row = await cur.fetchone()
        if row is None:
            return problem(404, "no link has this code")
        expires = row["expires_at"]
        link = {"url": row["url"], "expires_at": expires.timestamp() if expires else None}
        await remember(code, link)
    if link["expires_at"] is not None and link["expires_at"] <= time.time():
        return problem(410, "this link has expired")
    await count_click(pool, code)
    return Response(status_code=302, headers={"Location": link["url"],
                                              "Cache-Control": "private, max-age=0"})
