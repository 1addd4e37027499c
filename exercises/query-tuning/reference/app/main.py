"""The blog's hot read endpoints over kata's seeded posts, each one indexed statement."""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, time
from typing import Annotated, Any

import psycopg
from fastapi import FastAPI, HTTPException, Query
from fastapi.responses import JSONResponse
from psycopg_pool import AsyncConnectionPool

from app import db

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

INT_MAX = 2**31 - 1  # ids are integer columns

POST_SQL = ("SELECT id, slug, title, category, author_id, views, published_at, body "
            "FROM posts WHERE slug = %s")
# One statement with the author joined in: never one query per post (N+1).
LATEST_SQL = (
    "SELECT p.id, p.slug, p.title, p.views, p.published_at, a.id AS a_id, a.name AS a_name "
    "FROM posts p JOIN authors a ON a.id = p.author_id "
    "WHERE p.category = %s ORDER BY p.published_at DESC, p.id DESC LIMIT %s"
)
TOP_SQL = "SELECT id, slug, title, views FROM posts ORDER BY views DESC, id LIMIT %s"
# The author's row decides 404; the LEFT JOIN counts 0 posts as 0.
STATS_SQL = (
    "SELECT a.id, count(p.id) AS posts, coalesce(sum(p.views), 0) AS views "
    "FROM authors a LEFT JOIN posts p "
    "ON p.author_id = a.id AND p.published_at >= %s AND p.published_at < %s "
    "WHERE a.id = %s GROUP BY a.id"
)
# Keyset pagination: the page after a cursor starts where the previous one stopped, read
# from the primary key; never OFFSET (which reads and throws away every earlier row).
# No body: a list never reads the wide column.
LIST_COLUMNS = "id, slug, title, category, author_id, views, published_at"
LIST_FIRST_SQL = f"SELECT {LIST_COLUMNS} FROM posts ORDER BY id DESC LIMIT %s"
LIST_AFTER_SQL = f"SELECT {LIST_COLUMNS} FROM posts WHERE id < %s ORDER BY id DESC LIMIT %s"

pool: AsyncConnectionPool


@asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[None]:
    global pool
    pool = await db.connect(os.environ["DATABASE_URL"])
    try:
        await db.migrate(pool)
        yield
    finally:
        await pool.close()


app = FastAPI(title="Blog", version="1.0.0", lifespan=lifespan)


async def fetch(sql: str, *args: Any) -> list[dict[str, Any]]:
    async with pool.connection() as conn:
        cur = await conn.execute(sql, args)
        return await cur.fetchall()


def instant(t: datetime) -> str:
    return t.astimezone(UTC).isoformat().replace("+00:00", "Z")


def not_found(what: str) -> HTTPException:
    return HTTPException(status_code=404, detail=f"{what} not found")


@app.get("/health")
async def health() -> Any:
    try:
        await fetch("SELECT 1")
    except (OSError, psycopg.Error):
        return JSONResponse({"status": "unavailable"}, status_code=503)
    return {"status": "ok"}


@app.get("/posts/by-slug/{slug}")
async def post_by_slug(slug: str) -> Any:
    rows = await fetch(POST_SQL, slug) if "\x00" not in slug else []
    if not rows:
        raise not_found(f"post {slug!r}")
    post = rows[0]
    return JSONResponse({**post, "published_at": instant(post["published_at"])})


@app.get("/categories/{category}/latest")
async def latest(category: str, limit: Annotated[int, Query(ge=1, le=50)] = 20) -> Any:
    rows = await fetch(LATEST_SQL, category, limit) if "\x00" not in category else []
    posts = [{"id": r["id"], "slug": r["slug"], "title": r["title"], "views": r["views"],
              "published_at": instant(r["published_at"]),
              "author": {"id": r["a_id"], "name": r["a_name"]}} for r in rows]
    return JSONResponse({"category": category, "posts": posts})


@app.get("/posts/top")
async def top(limit: Annotated[int, Query(ge=1, le=100)] = 10) -> Any:
    return JSONResponse({"posts": await fetch(TOP_SQL, limit)})


@app.get("/authors/{author_id}/stats")
async def stats(author_id: int, from_: Annotated[date, Query(alias="from")],
                to: date) -> Any:
    if from_ > to:
        raise HTTPException(status_code=422, detail="from must not be after to")
    if not 1 <= author_id <= INT_MAX:
        raise not_found(f"author {author_id}")
    start, end = (datetime.combine(d, time(), UTC) for d in (from_, to))
    rows = await fetch(STATS_SQL, start, end, author_id)
    if not rows:
        raise not_found(f"author {author_id}")
    row = rows[0]
    return JSONResponse({"author_id": author_id, "from": from_.isoformat(), "to": to.isoformat(),
                         "posts": row["posts"], "views": int(row["views"])})


@app.get("/posts")
async def list_posts(limit: Annotated[int, Query(ge=1, le=100)] = 20,
                     cursor: str | None = None) -> Any:
    if cursor is None:
        rows = await fetch(LIST_FIRST_SQL, limit + 1)
    else:
        if not cursor.isdecimal() or not 1 <= int(cursor) <= INT_MAX:
            raise HTTPException(status_code=400, detail="malformed cursor")
        rows = await fetch(LIST_AFTER_SQL, int(cursor), limit + 1)
    page = rows[:limit]
    more = len(rows) > limit
    return JSONResponse({
        "posts": [{**r, "published_at": instant(r["published_at"])} for r in page],
        "next_cursor": str(page[-1]["id"]) if more else None,
    })
