"""The connection pool and the migrations applied at startup."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from pathlib import Path

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

log = logging.getLogger("app.db")

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
CONNECT_TIMEOUT_S = float(os.environ.get("DB_CONNECT_TIMEOUT_S", "30"))
POOL_MIN = int(os.environ.get("DB_POOL_MIN", "2"))
POOL_MAX = int(os.environ.get("DB_POOL_MAX", "10"))
MIGRATION_LOCK = 7_202_001  # any constant; serialises migrations between instances


async def connect(dsn: str) -> AsyncConnectionPool:
    """Open the pool, retrying while the database is not reachable yet."""
    deadline = time.monotonic() + CONNECT_TIMEOUT_S
    attempt = 0
    while True:
        attempt += 1
        pool = AsyncConnectionPool(dsn, min_size=POOL_MIN, max_size=POOL_MAX, open=False,
                                   kwargs={"row_factory": dict_row, "autocommit": True})
        try:
            await pool.open(wait=True, timeout=5)
            return pool
        except (OSError, psycopg.Error, TimeoutError) as e:
            await pool.close()
            if time.monotonic() >= deadline:
                raise
            log.warning("database not ready (attempt %d): %s", attempt, e)
            await asyncio.sleep(1)


async def migrate(pool: AsyncConnectionPool) -> None:
    """Apply every migrations/*.sql in name order; each file is idempotent."""
    async with pool.connection() as conn:
        await conn.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK,))
        try:
            for path in sorted(MIGRATIONS.glob("*.sql")):
                async with conn.transaction():
                    await conn.execute(path.read_text(encoding="utf-8"))
                log.info("applied %s", path.name)
        finally:
            await conn.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK,))
