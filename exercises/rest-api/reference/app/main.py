"""A REST API for items, backed by PostgreSQL."""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

import asyncpg
from fastapi import FastAPI, HTTPException, Query, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from app import db
from app.models import Health, Item, ItemIn, ItemPage

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

BIGINT_MAX = 2**63 - 1
COLUMNS = "id, name, description, price, quantity"

INSERT_SQL = (
    "INSERT INTO items (name, description, price, quantity) VALUES ($1, $2, $3, $4) "
    f"RETURNING {COLUMNS}"
)
SELECT_SQL = f"SELECT {COLUMNS} FROM items WHERE id = $1"
LIST_SQL = f"SELECT {COLUMNS} FROM items ORDER BY id LIMIT $1 OFFSET $2"
COUNT_SQL = "SELECT count(*) FROM items"
UPDATE_SQL = (
    "UPDATE items SET name = $2, description = $3, price = $4, quantity = $5 "
    f"WHERE id = $1 RETURNING {COLUMNS}"
)
DELETE_SQL = "DELETE FROM items WHERE id = $1 RETURNING id"

pool: asyncpg.Pool


@asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[None]:
    global pool
    pool = await db.connect(os.environ["DATABASE_URL"])
    try:
        await db.migrate(pool)
        yield
    finally:
        await pool.close()


app = FastAPI(title="Items", version="1.0.0", lifespan=lifespan)


@app.exception_handler(RequestValidationError)
async def validation_failed(_: Request, exc: RequestValidationError) -> JSONResponse:
    """FastAPI's default 422, except that an echoed input which cannot be written as JSON
    (NaN, 1e400, a lone surrogate) is left out instead of failing with a 500."""
    errors = jsonable_encoder(exc.errors())
    try:
        return JSONResponse({"detail": errors}, status_code=422)
    except ValueError:
        bare = [{k: v for k, v in e.items() if k not in ("input", "ctx")} for e in errors]
        return JSONResponse({"detail": bare}, status_code=422)


def not_found(item_id: int) -> HTTPException:
    return HTTPException(status_code=404, detail=f"item {item_id} not found")


def storable(item_id: int) -> bool:
    """Ids outside bigint cannot exist; answer 404 without asking the database."""
    return 1 <= item_id <= BIGINT_MAX


@app.get("/health", response_model=Health)
async def health() -> Any:
    try:
        await pool.fetchval("SELECT 1")
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
        return JSONResponse({"status": "unavailable"}, status_code=503)
    return {"status": "ok"}


@app.post("/items", status_code=201, response_model=Item)
async def create_item(body: ItemIn) -> Any:
    created = await pool.fetchrow(
        INSERT_SQL, body.name, body.description, body.price, body.quantity
    )
    return dict(created)


@app.get("/items", response_model=ItemPage)
async def list_items(
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Any:
    async with pool.acquire() as conn:
        rows = await conn.fetch(LIST_SQL, limit, min(offset, BIGINT_MAX))
        total = await conn.fetchval(COUNT_SQL)
    return {"items": [dict(r) for r in rows], "total": total, "limit": limit, "offset": offset}


@app.get("/items/{item_id}", response_model=Item)
async def read_item(item_id: int) -> Any:
    item = await pool.fetchrow(SELECT_SQL, item_id) if storable(item_id) else None
    if item is None:
        raise not_found(item_id)
    return dict(item)


@app.put("/items/{item_id}", response_model=Item)
async def replace_item(item_id: int, body: ItemIn) -> Any:
    updated = None
    if storable(item_id):
        updated = await pool.fetchrow(
            UPDATE_SQL, item_id, body.name, body.description, body.price, body.quantity
        )
    if updated is None:
        raise not_found(item_id)
    return dict(updated)


@app.delete("/items/{item_id}", status_code=204, response_class=Response)
async def delete_item(item_id: int) -> Response:
    deleted = await pool.fetchval(DELETE_SQL, item_id) if storable(item_id) else None
    if deleted is None:
        raise not_found(item_id)
    return Response(status_code=204)
