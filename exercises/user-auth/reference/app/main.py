"""User accounts in PostgreSQL: register, log in for a session token, who am I, log out,
change the password; failed logins are throttled per account."""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

import psycopg
from fastapi import Depends, FastAPI, HTTPException, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from psycopg_pool import AsyncConnectionPool

from app import db, security
from app.models import Credentials, Health, PasswordChange, Registration, Session, User

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

SESSION_LIFETIME_S = 24 * 3600
MAX_FAILURES = 5  # failed logins per email …
WINDOW_S = 60  # … within this many seconds, then 429 until the oldest of them ages out

# ON CONFLICT: of 20 simultaneous sign-ups with one email, the UNIQUE constraint lets one
# insert through and the others get no row (409), with no window between check and insert.
INSERT_USER_SQL = (
    "INSERT INTO users (email, password_hash) VALUES (%s, %s) "
    "ON CONFLICT (email) DO NOTHING RETURNING id, email"
)
LOGIN_SQL = "SELECT id, password_hash FROM users WHERE email = %s"
HASH_SQL = "SELECT password_hash FROM users WHERE id = %s"
SESSION_USER_SQL = (
    "SELECT u.id, u.email FROM sessions s JOIN users u ON u.id = s.user_id "
    "WHERE s.token_sha256 = %s AND s.expires_at > now()"
)
INSERT_SESSION_SQL = (
    "INSERT INTO sessions (token_sha256, user_id, expires_at) "
    "VALUES (%s, %s, now() + make_interval(secs => %s))"
)
DELETE_SESSION_SQL = "DELETE FROM sessions WHERE token_sha256 = %s"
DELETE_USER_SESSIONS_SQL = "DELETE FROM sessions WHERE user_id = %s"
UPDATE_HASH_SQL = "UPDATE users SET password_hash = %s WHERE id = %s"

# Seconds until the email may try again: while it has MAX_FAILURES failures in the last
# WINDOW_S seconds, until the oldest of its last MAX_FAILURES leaves the window. No row:
# not throttled.
THROTTLE_SQL = f"""
SELECT greatest(1, ceil(extract(epoch FROM
         min(at) + interval '{WINDOW_S} seconds' - clock_timestamp())))::int AS retry_after
FROM (SELECT at FROM login_failures
      WHERE email = %s AND at > clock_timestamp() - interval '{WINDOW_S} seconds'
      ORDER BY at DESC LIMIT {MAX_FAILURES}) recent
HAVING count(*) >= {MAX_FAILURES}
"""
RECORD_FAILURE_SQL = "INSERT INTO login_failures (email) VALUES (%s)"
CLEAR_FAILURES_SQL = "DELETE FROM login_failures WHERE email = %s"
PRUNE_FAILURES_SQL = "DELETE FROM login_failures WHERE at < now() - interval '1 hour'"

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


app = FastAPI(title="User accounts", version="1.0.0", lifespan=lifespan)


async def fetch_one(sql: str, *args: Any) -> dict[str, Any] | None:
    async with pool.connection() as conn:
        cur = await conn.execute(sql, args)
        return await cur.fetchone() if cur.description else None


@app.exception_handler(RequestValidationError)
async def validation_failed(_: Request, exc: RequestValidationError) -> JSONResponse:
    """FastAPI's 422 without the rejected input: echoing it would send a password back."""
    errors = [{k: v for k, v in e.items() if k not in ("input", "ctx", "url")}
              for e in jsonable_encoder(exc.errors())]
    return JSONResponse({"detail": errors}, status_code=422)


def normal(email: str) -> str:
    """Emails are compared without case: Ann@example.com is ann@example.com."""
    return email.strip().lower()


# -- who is asking ------------------------------------------------------------------------
def unauthorized(why: str) -> HTTPException:
    return HTTPException(status_code=401, detail=why, headers={"WWW-Authenticate": "Bearer"})


def bearer_token(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise unauthorized("missing bearer token")
    return token


async def current_user(request: Request) -> dict[str, Any]:
    """The user whose live session the bearer token is: a token logged out, or issued
    before the password changed, has no row left."""
    token = bearer_token(request)
    user = await fetch_one(SESSION_USER_SQL, security.token_digest(token))
    if user is None:
        raise unauthorized("no such session (logged out, expired or never issued)")
    return {**user, "token": token}


Me = Annotated[dict[str, Any], Depends(current_user)]


# -- endpoints ----------------------------------------------------------------------------
@app.get("/health", response_model=Health)
async def health() -> Any:
    try:
        await fetch_one("SELECT 1")
    except (OSError, psycopg.Error):
        return JSONResponse({"status": "unavailable"}, status_code=503)
    return {"status": "ok"}


@app.post("/auth/register", status_code=201, response_model=User)
async def register(body: Registration) -> Any:
    hashed = await run_in_threadpool(security.hash_password, body.password)
    user = await fetch_one(INSERT_USER_SQL, normal(body.email), hashed)
    if user is None:
        raise HTTPException(status_code=409, detail="this email has an account")
    return user


@app.post("/auth/login", response_model=Session)
async def login(body: Credentials) -> Any:
    email = normal(body.email)
    throttled = await fetch_one(THROTTLE_SQL, email)
    if throttled is not None:
        wait = throttled["retry_after"]
        return JSONResponse({"detail": f"too many failed logins; try again in {wait} s"},
                            status_code=429, headers={"Retry-After": str(wait)})
    row = await fetch_one(LOGIN_SQL, email)
    stored = row["password_hash"] if row else security.DUMMY_HASH
    ok = await run_in_threadpool(security.verify_password, body.password, stored)
    if row is None or not ok:
        await fetch_one(RECORD_FAILURE_SQL, email)
        raise HTTPException(status_code=401, detail="wrong email or password")
    token = security.new_token()
    async with pool.connection() as conn:
        await conn.execute(CLEAR_FAILURES_SQL, (email,))
        await conn.execute(INSERT_SESSION_SQL,
                           (security.token_digest(token), row["id"], SESSION_LIFETIME_S))
        await conn.execute(PRUNE_FAILURES_SQL)
    return {"access_token": token, "token_type": "bearer", "expires_in": SESSION_LIFETIME_S}


@app.get("/me", response_model=User)
async def me(user: Me) -> Any:
    return user


@app.post("/auth/logout", status_code=204, response_class=Response)
async def logout(user: Me) -> Response:
    await fetch_one(DELETE_SESSION_SQL, security.token_digest(user["token"]))
    return Response(status_code=204)


@app.post("/auth/password", status_code=204, response_class=Response)
async def change_password(body: PasswordChange, user: Me) -> Response:
    row = await fetch_one(HASH_SQL, user["id"])
    stored = row["password_hash"] if row else security.DUMMY_HASH
    ok = await run_in_threadpool(security.verify_password, body.current_password, stored)
    if not ok:
        raise HTTPException(status_code=403, detail="the current password is wrong")
    hashed = await run_in_threadpool(security.hash_password, body.new_password)
    async with pool.connection() as conn, conn.transaction():
        await conn.execute(UPDATE_HASH_SQL, (hashed, user["id"]))
        # Every session of the user ends, this one included: whoever knew the old
        # password (and logged in with it) is out.
        await conn.execute(DELETE_USER_SESSIONS_SQL, (user["id"],))
    return Response(status_code=204)
