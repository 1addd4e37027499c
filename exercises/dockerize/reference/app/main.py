"""A tiny service to containerise: GET /health, and GET /slow?ms=N that answers after N ms
(an in-flight request a graceful shutdown must finish). Every setting comes from the
environment, read once at start."""

from __future__ import annotations

import asyncio
import os

from fastapi import FastAPI
from fastapi.responses import JSONResponse

SLOW_MAX_MS = int(os.environ.get("SLOW_MAX_MS", "10000"))

app = FastAPI(title="dockerize", docs_url=None, redoc_url=None, openapi_url=None)


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/slow")
async def slow(ms: str = "") -> JSONResponse:
    if not (ms.isascii() and ms.isdigit()) or int(ms) > SLOW_MAX_MS:
        return JSONResponse(
            {"detail": f"ms must be an integer from 0 to {SLOW_MAX_MS}"}, status_code=400
        )
    await asyncio.sleep(int(ms) / 1000)
    return JSONResponse({"slept_ms": int(ms)})
