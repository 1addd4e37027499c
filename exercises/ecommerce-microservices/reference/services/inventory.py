"""Stock per product, in PostgreSQL. A reservation is one conditional UPDATE (decrement
only while enough is left), so concurrent orders can never sell more than there is."""

from __future__ import annotations

import os
import queue
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

from .common import Reply, positive_int, serve

DATABASE_URL = os.environ.get("DATABASE_URL", "postgresql://shop:shop@db:5432/shop")
POOL_SIZE = 8
pool: queue.LifoQueue[psycopg.Connection | None] = queue.LifoQueue()
for _ in range(POOL_SIZE):
    pool.put(None)  # connected on first use, again after a failure


@contextmanager
def connection() -> Iterator[psycopg.Connection]:
    conn = pool.get()
    try:
        if conn is None or conn.closed:
            conn = psycopg.connect(DATABASE_URL, autocommit=True, connect_timeout=3)
        yield conn
    except psycopg.OperationalError:
        if conn is not None:
            conn.close()
        conn = None
        raise
    finally:
        pool.put(conn)


def get(body: object, pid: str) -> Reply:
    with connection() as conn:
        row = conn.execute("SELECT quantity FROM stock WHERE product_id = %s", (pid,)).fetchone()
    return (200, {"product_id": pid, "quantity": row[0]}) if row else (404, {"error": "no such product"})


def put(body: object, pid: str) -> Reply:
    qty = body.get("quantity") if isinstance(body, dict) else None
    if not (isinstance(qty, int) and not isinstance(qty, bool) and qty >= 0):
        return 422, {"error": "expected {quantity: integer >= 0}"}
    with connection() as conn:
        row = conn.execute("UPDATE stock SET quantity = %s WHERE product_id = %s RETURNING quantity",
                           (qty, pid)).fetchone()
    return (200, {"product_id": pid, "quantity": row[0]}) if row else (404, {"error": "no such product"})


def reserve(body: object, pid: str) -> Reply:
    qty = body.get("quantity") if isinstance(body, dict) else None
    if not positive_int(qty):
        return 422, {"error": "expected {quantity: integer >= 1}"}
    with connection() as conn:
        row = conn.execute(
            "UPDATE stock SET quantity = quantity - %s WHERE product_id = %s AND quantity >= %s "
            "RETURNING quantity", (qty, pid, qty)).fetchone()
        if row:
            return 200, {"product_id": pid, "quantity": row[0]}
        known = conn.execute("SELECT 1 FROM stock WHERE product_id = %s", (pid,)).fetchone()
    return (409, {"error": "not enough stock"}) if known else (404, {"error": "no such product"})


if __name__ == "__main__":
    serve([("GET", r"/stock/([^/]+)", get), ("PUT", r"/stock/([^/]+)", put),
           ("POST", r"/stock/([^/]+)/reserve", reserve)])
