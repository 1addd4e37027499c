"""central-logging reference: a few endpoints, one JSON log line per request, each line
shipped to the search service (app/logs.py)."""

from __future__ import annotations

import asyncio
import hmac
import os
import re
import secrets
import time
import uuid
from contextlib import asynccontextmanager, suppress
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException

from app.logs import Shipper, emit, level_of, now_rfc3339

ELASTICSEARCH_URL = os.environ.get("ELASTICSEARCH_URL", "http://localhost:9200")
LOG_INDEX = os.environ.get("LOG_INDEX", "app-logs")
DEMO_USER = os.environ.get("DEMO_USER", "demo")
DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "")
ITEMS = range(1, 101)
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")

shipper = Shipper(ELASTICSEARCH_URL, LOG_INDEX)


@asynccontextmanager
async def lifespan(_: FastAPI):
    task = asyncio.create_task(shipper.run())
    yield
    task.cancel()
    with suppress(asyncio.CancelledError):
        await task
    await shipper.drain()


app = FastAPI(lifespan=lifespan)


def request_id_of(request: Request) -> str:
    """The client's X-Request-ID when it is a sane one, else a new id."""
    given = request.headers.get("x-request-id", "")
    return given if REQUEST_ID.fullmatch(given) else uuid.uuid4().hex


@app.middleware("http")
async def access_log(request: Request, call_next):
    rid = request_id_of(request)
    started = time.perf_counter()
    try:
        response = await call_next(request)
    except Exception:  # an unhandled error is still answered, and logged, with its id
        response = JSONResponse({"detail": "internal error"}, status_code=500)
    response.headers["X-Request-ID"] = rid
    status = response.status_code
    record = {
        "timestamp": now_rfc3339(),
        "level": level_of(status),
        "message": f"{request.method} {request.url.path} {status}",
        "request_id": rid,
        "method": request.method,
        "path": request.url.path,
        "status": status,
        "duration_ms": round((time.perf_counter() - started) * 1000, 3),
    }
    emit(record)
    shipper.ship(record)
    return response


@app.exception_handler(HTTPException)
async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code,
                        headers=exc.headers)


@app.exception_handler(RequestValidationError)
async def bad_body(request: Request, exc: RequestValidationError) -> JSONResponse:
    # FastAPI's default answer echoes each error's input: a password, here. Locations only.
    fields = [".".join(str(p) for p in e.get("loc", ())) for e in exc.errors()]
    return JSONResponse({"detail": "invalid body", "fields": fields}, status_code=422)


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/items/{item_id}")
async def get_item(item_id: str) -> dict[str, Any]:
    if not item_id.isdigit() or int(item_id) not in ITEMS:
        raise HTTPException(404, "item not found")
    n = int(item_id)
    return {"id": n, "name": f"item {n}"}


class Login(BaseModel):
    model_config = ConfigDict(strict=True)
    username: str
    password: str


@app.post("/login")
async def login(body: Login) -> dict[str, str]:
    right_user = hmac.compare_digest(body.username.encode(), DEMO_USER.encode())
    right_password = hmac.compare_digest(body.password.encode(), DEMO_PASSWORD.encode())
    if not (DEMO_PASSWORD and right_user and right_password):
        raise HTTPException(401, "wrong username or password")
    return {"token": secrets.token_urlsafe(32)}
