"""Notes, each visible only to the user who wrote it; users sign in with a JWT."""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

import jwt
import psycopg
from fastapi import Depends, FastAPI, HTTPException, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from psycopg_pool import AsyncConnectionPool

from app import db, security
from app.models import Credentials, Health, Note, NoteIn, NoteList, Token, User

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

BIGINT_MAX = 2**63 - 1

INSERT_USER_SQL = (
    "INSERT INTO users (username, password_hash) VALUES (%s, %s) "
    "ON CONFLICT (username) DO NOTHING RETURNING id, username"
)
LOGIN_SQL = "SELECT id, password_hash FROM users WHERE username = %s"
USER_SQL = "SELECT id, username FROM users WHERE id = %s"
DELETE_USER_SQL = "DELETE FROM users WHERE id = %s"  # its notes go with it (ON DELETE CASCADE)

NOTE_COLUMNS = "id, title, body"
INSERT_NOTE_SQL = f"INSERT INTO notes (owner_id, title, body) VALUES (%s, %s, %s) RETURNING {NOTE_COLUMNS}"
LIST_NOTES_SQL = f"SELECT {NOTE_COLUMNS} FROM notes WHERE owner_id = %s ORDER BY id"
# Every statement on one note names its owner: another user's note is not there for you.
SELECT_NOTE_SQL = f"SELECT {NOTE_COLUMNS} FROM notes WHERE id = %s AND owner_id = %s"
UPDATE_NOTE_SQL = (
    f"UPDATE notes SET title = %s, body = %s WHERE id = %s AND owner_id = %s RETURNING {NOTE_COLUMNS}"
)
DELETE_NOTE_SQL = "DELETE FROM notes WHERE id = %s AND owner_id = %s RETURNING id"

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


app = FastAPI(title="Notes", version="1.0.0", lifespan=lifespan)


async def fetch_one(sql: str, *args: Any) -> dict[str, Any] | None:
    async with pool.connection() as conn:
        cur = await conn.execute(sql, args)
        return await cur.fetchone()


@app.exception_handler(RequestValidationError)
async def validation_failed(_: Request, exc: RequestValidationError) -> JSONResponse:
    """FastAPI's 422 without the rejected input: echoing it would send a password back
    (a body without a username echoes the whole body)."""
    errors = [{k: v for k, v in e.items() if k not in ("input", "ctx", "url")}
              for e in jsonable_encoder(exc.errors())]
    return JSONResponse({"detail": errors}, status_code=422)


# -- who is asking ------------------------------------------------------------------------
def unauthorized(why: str) -> HTTPException:
    return HTTPException(status_code=401, detail=why, headers={"WWW-Authenticate": "Bearer"})


async def current_user(request: Request) -> dict[str, Any]:
    """The user the bearer token names: signed with JWT_SECRET, HS256, not expired, and
    the user still exists (a deleted user's tokens stop working at once)."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise unauthorized("missing bearer token")
    try:
        claims = security.read_token(token)
    except jwt.PyJWTError:
        raise unauthorized("invalid or expired token") from None
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub.isdecimal() or not 1 <= int(sub) <= BIGINT_MAX:
        raise unauthorized("invalid token subject")
    user = await fetch_one(USER_SQL, int(sub))
    if user is None:
        raise unauthorized("this token's user no longer exists")
    return user


Me = Annotated[dict[str, Any], Depends(current_user)]


# -- users --------------------------------------------------------------------------------
@app.get("/health", response_model=Health)
async def health() -> Any:
    try:
        await fetch_one("SELECT 1")
    except (OSError, psycopg.Error):
        return JSONResponse({"status": "unavailable"}, status_code=503)
    return {"status": "ok"}


@app.post("/auth/register", status_code=201, response_model=User)
async def register(body: Credentials) -> Any:
    hashed = await run_in_threadpool(security.hash_password, body.password)
    user = await fetch_one(INSERT_USER_SQL, body.username, hashed)
    if user is None:
        raise HTTPException(status_code=409, detail="this username is taken")
    return user


@app.post("/auth/login", response_model=Token)
async def login(body: Credentials) -> Any:
    row = await fetch_one(LOGIN_SQL, body.username)
    stored = row["password_hash"] if row else security.DUMMY_HASH
    ok = await run_in_threadpool(security.verify_password, body.password, stored)
    if row is None or not ok:
        raise HTTPException(status_code=401, detail="wrong username or password")
    return {"access_token": security.issue_token(row["id"]), "token_type": "bearer",
            "expires_in": security.TOKEN_LIFETIME_S}


@app.get("/users/me", response_model=User)
async def me(user: Me) -> Any:
    return user


@app.delete("/users/me", status_code=204, response_class=Response)
async def delete_me(user: Me) -> Response:
    async with pool.connection() as conn:
        await conn.execute(DELETE_USER_SQL, (user["id"],))
    return Response(status_code=204)


# -- notes --------------------------------------------------------------------------------
def not_found(note_id: int) -> HTTPException:
    return HTTPException(status_code=404, detail=f"note {note_id} not found")


def storable(note_id: int) -> bool:
    """Ids outside bigint cannot exist; answer 404 without asking the database."""
    return 1 <= note_id <= BIGINT_MAX


@app.post("/notes", status_code=201, response_model=Note)
async def create_note(body: NoteIn, user: Me) -> Any:
    return await fetch_one(INSERT_NOTE_SQL, user["id"], body.title, body.body)


@app.get("/notes", response_model=NoteList)
async def list_notes(user: Me) -> Any:
    async with pool.connection() as conn:
        cur = await conn.execute(LIST_NOTES_SQL, (user["id"],))
        return {"items": await cur.fetchall()}


@app.get("/notes/{note_id}", response_model=Note)
async def read_note(note_id: int, user: Me) -> Any:
    note = await fetch_one(SELECT_NOTE_SQL, note_id, user["id"]) if storable(note_id) else None
    if note is None:
        raise not_found(note_id)
    return note


@app.put("/notes/{note_id}", response_model=Note)
async def replace_note(note_id: int, body: NoteIn, user: Me) -> Any:
    note = None
    if storable(note_id):
        note = await fetch_one(UPDATE_NOTE_SQL, body.title, body.body, note_id, user["id"])
    if note is None:
        raise not_found(note_id)
    return note


@app.delete("/notes/{note_id}", status_code=204, response_class=Response)
async def delete_note(note_id: int, user: Me) -> Response:
    gone = await fetch_one(DELETE_NOTE_SQL, note_id, user["id"]) if storable(note_id) else None
    if gone is None:
        raise not_found(note_id)
    return Response(status_code=204)
