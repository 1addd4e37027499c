"""The task-scheduler reference: delayed, retried background tasks on Redis.

The API and the worker share one process (uvicorn's event loop). Redis holds everything,
so a restart loses nothing:

  task:{id}      a hash: kind, payload (JSON), run_at, status, attempts, last_error
  q:delayed      a sorted set of task ids scored by when they fall due (epoch seconds)
  q:ready        a list of due task ids, oldest at the right
  q:processing   a list of the ids a worker has taken and not finished
  idem:{key}     the task id an Idempotency-Key names (24 h)

A submission is one Lua script (claim the key, write the task, schedule it), so racing
resubmissions with one key make one task. A promoter moves due ids from q:delayed to
q:ready every 50 ms. Workers take an id with BLMOVE q:ready -> q:processing and remove it
from q:processing only once the attempt has ended (succeeded, failed, or rescheduled with
its backoff): a worker stopped mid-task leaves the id there, and the next start puts it
back on q:ready (at least once).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
import uuid
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from redis.asyncio import Redis
from redis.exceptions import RedisError

REDIS_URL = os.environ.get("REDIS_URL", "redis://localhost:6379/0")
MAX_ATTEMPTS = int(os.environ.get("MAX_ATTEMPTS", "4"))
RETRY_BASE_S = int(os.environ.get("RETRY_BASE_MS", "500")) / 1000
WORKERS = int(os.environ.get("WORKERS", "8"))
PROMOTE_EVERY_S = 0.05
IDEMPOTENCY_TTL_S = 86_400
KINDS = ("sleep", "fail-n-times", "echo")
DELAYED, READY, PROCESSING = "q:delayed", "q:ready", "q:processing"

log = logging.getLogger("scheduler")
redis = Redis.from_url(REDIS_URL, decode_responses=True, socket_connect_timeout=2)
http = httpx.AsyncClient(timeout=5.0, limits=httpx.Limits(max_connections=50))

# Claim the idempotency key (if any), write the task and schedule it, atomically.
# KEYS: task hash, delayed set, idempotency key; ARGV: id, due, use-key flag, fields...
SUBMIT = redis.register_script("""
if ARGV[3] == '1' then
  local existing = redis.call('GET', KEYS[3])
  if existing then return existing end
  redis.call('SET', KEYS[3], ARGV[1], 'EX', 86400)
end
redis.call('HSET', KEYS[1], unpack(ARGV, 4))
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
return ARGV[1]
""")
# Move every due id (score <= now) from the delayed set to the ready list, in due order.
PROMOTE = redis.register_script("""
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, 500)
for _, id in ipairs(due) do
  redis.call('ZREM', KEYS[1], id)
  redis.call('LPUSH', KEYS[2], id)
end
return #due
""")


class Invalid(Exception):
    pass


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds").replace(
        "+00:00", "Z")


def parse_run_at(value: Any) -> float:
    if value is None:
        return time.time()
    if not isinstance(value, str) or len(value) > 64:
        raise Invalid("run_at must be an RFC 3339 date-time string")
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise Invalid("run_at must be an RFC 3339 date-time, e.g. 2030-01-01T12:00:00Z")
    if when.tzinfo is None:
        raise Invalid("run_at needs a time zone offset (Z or +hh:mm)")
    return when.timestamp()


def check_url(value: Any, field: str) -> str:
    if not isinstance(value, str) or not value.startswith(("http://", "https://")) \
            or len(value) > 2048:
        raise Invalid(f"payload.{field} must be an http(s) URL of at most 2048 characters")
    return value


def check_payload(kind: Any, payload: Any) -> dict[str, Any]:
    if kind not in KINDS:
        raise Invalid(f"kind must be one of {', '.join(KINDS)}")
    if not isinstance(payload, dict):
        raise Invalid("payload must be a JSON object")
    if kind == "sleep":
        seconds = payload.get("seconds")
        if not isinstance(seconds, (int, float)) or isinstance(seconds, bool) \
                or not 0 <= seconds <= 30:
            raise Invalid("payload.seconds must be a number from 0 to 30")
        return {"seconds": seconds}
    if kind == "fail-n-times":
        n = payload.get("n")
        if not isinstance(n, int) or isinstance(n, bool) or not 0 <= n <= 10:
            raise Invalid("payload.n must be an integer from 0 to 10")
        out: dict[str, Any] = {"n": n}
        if payload.get("url") is not None:
            out["url"] = check_url(payload["url"], "url")
        return out
    message = payload.get("message")
    if not isinstance(message, str) or len(message) > 1000:
        raise Invalid("payload.message must be a string of at most 1000 characters")
    return {"url": check_url(payload.get("url"), "url"), "message": message}


def view(t: dict[str, str]) -> dict[str, Any]:
    return {"id": t["id"], "kind": t["kind"], "payload": json.loads(t["payload"]),
            "run_at": t["run_at"], "status": t["status"], "attempts": int(t["attempts"]),
            "last_error": t.get("last_error") or None}


# ------------------------------------------------------------------------- worker


async def execute(task_id: str, kind: str, payload: dict[str, Any], attempt: int) -> None:
    """One attempt; an exception is a failed attempt."""
    if kind == "sleep":
        await asyncio.sleep(payload["seconds"])
    elif kind == "echo":
        r = await http.post(payload["url"], json={"task_id": task_id,
                                                  "message": payload["message"],
                                                  "attempt": attempt})
        if not 200 <= r.status_code < 300:
            raise RuntimeError(f"the callback answered {r.status_code}")
    else:
        if "url" in payload:
            await http.post(payload["url"], json={"task_id": task_id, "attempt": attempt})
        if attempt <= payload["n"]:
            raise RuntimeError(f"attempt {attempt} of {payload['n'] + 1} fails on purpose")


async def run_one(task_id: str) -> None:
    key = f"task:{task_id}"
    task = await redis.hgetall(key)
    if not task:
        await redis.lrem(PROCESSING, 1, task_id)
        return
    attempts = await redis.hincrby(key, "attempts", 1)
    await redis.hset(key, "status", "running")
    try:
        await execute(task_id, task["kind"], json.loads(task["payload"]), attempts)
        error = ""
    except asyncio.CancelledError:
        raise  # stopped mid-task: it stays in q:processing for the next start
    except Exception as e:  # the attempt failed
        error = str(e)[:500] or type(e).__name__
    async with redis.pipeline(transaction=True) as tx:
        if not error:
            tx.hset(key, mapping={"status": "succeeded", "last_error": ""})
        elif attempts < MAX_ATTEMPTS:
            delay_s = RETRY_BASE_S * 2 ** (attempts - 1)
            tx.hset(key, mapping={"status": "queued", "last_error": error})
            tx.zadd(DELAYED, {task_id: time.time() + delay_s})
        else:
            tx.hset(key, mapping={"status": "failed", "last_error": error})
        tx.lrem(PROCESSING, 1, task_id)
        await tx.execute()


async def worker() -> None:
    while True:
        try:
            task_id = await redis.blmove(READY, PROCESSING, 1, "RIGHT", "LEFT")
            if task_id is not None:
                await run_one(task_id)
        except (RedisError, OSError) as e:
            log.warning("worker: redis error (%s); retrying", e)
            await asyncio.sleep(0.5)


async def promoter() -> None:
    # What a stopped worker left unfinished runs again (at least once).
    while True:
        try:
            while await redis.lmove(PROCESSING, READY, "LEFT", "RIGHT") is not None:
                pass
            break
        except (RedisError, OSError) as e:
            log.warning("recovery: redis error (%s); retrying", e)
            await asyncio.sleep(0.5)
    while True:
        try:
            await PROMOTE(keys=[DELAYED, READY], args=[time.time()])
        except (RedisError, OSError) as e:
            log.warning("promoter: redis error (%s); retrying", e)
            await asyncio.sleep(0.5)
        await asyncio.sleep(PROMOTE_EVERY_S)


@asynccontextmanager
async def lifespan(_: FastAPI):
    background = [asyncio.create_task(promoter())]
    background += [asyncio.create_task(worker()) for _ in range(WORKERS)]
    yield
    for task in background:
        task.cancel()
    await asyncio.gather(*background, return_exceptions=True)
    await http.aclose()
    await redis.aclose()


app = FastAPI(lifespan=lifespan)


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/tasks")
async def submit(request: Request) -> JSONResponse:
    try:
        body = json.loads(await request.body())
    except ValueError:
        return JSONResponse({"detail": "the body must be JSON"}, 422)
    if not isinstance(body, dict):
        return JSONResponse({"detail": "the body must be a JSON object"}, 422)
    key = request.headers.get("idempotency-key")
    try:
        payload = check_payload(body.get("kind"), body.get("payload"))
        due = parse_run_at(body.get("run_at"))
        if key is not None and not 1 <= len(key) <= 200:
            raise Invalid("Idempotency-Key must be 1 to 200 characters")
    except Invalid as e:
        return JSONResponse({"detail": str(e)}, 422)
    task = {"id": uuid.uuid4().hex, "kind": body["kind"], "payload": json.dumps(payload),
            "run_at": iso(due), "status": "queued", "attempts": "0", "last_error": ""}
    fields = [x for pair in task.items() for x in pair]
    got = await SUBMIT(keys=[f"task:{task['id']}", DELAYED, f"idem:{key}"],
                       args=[task["id"], due, "1" if key else "0", *fields])
    if got != task["id"]:  # the key was used: answer its task
        existing = await redis.hgetall(f"task:{got}")
        return JSONResponse(view(existing), 200)
    return JSONResponse(view(task), 201)


@app.get("/tasks/{task_id}")
async def status(task_id: str) -> JSONResponse:
    task = await redis.hgetall(f"task:{task_id[:100]}")
    if not task:
        return JSONResponse({"detail": "no such task"}, 404)
    return JSONResponse(view(task))
