"""A real PostgreSQL server for the store's tests: the local postgres:15 image in a
container labelled kata.test=1, reached at its container IP, removed afterwards."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager

READY_TIMEOUT_S = 90


@contextmanager
def postgres_server() -> Iterator[str]:
    """Yields the admin URL of a fresh server (database ``kata``)."""
    import docker
    import psycopg

    client = docker.from_env(timeout=60)
    container = client.containers.run(
        "postgres:15",
        name=f"kata-test-pg-{secrets.token_hex(4)}",
        detach=True,
        labels={"kata.test": "1"},
        environment={"POSTGRES_USER": "kata", "POSTGRES_PASSWORD": "kata",
                     "POSTGRES_DB": "kata"},
    )
    try:
        container.reload()
        ip = container.attrs["NetworkSettings"]["Networks"]["bridge"]["IPAddress"]
        url = f"postgresql://kata:kata@{ip}:5432/kata"
        deadline = time.monotonic() + READY_TIMEOUT_S
        while True:  # ready means a real query answers, not an open port
            try:
                with psycopg.connect(url, connect_timeout=3) as conn:
                    if conn.execute("SELECT 1").fetchone() == (1,):
                        break
            except psycopg.Error:
                pass
            container.reload()
            if container.status == "exited" or time.monotonic() > deadline:
                raise RuntimeError("PostgreSQL did not answer:\n"
                                   + container.logs(tail=30).decode(errors="replace"))
            time.sleep(0.5)
        yield url
    finally:
        container.remove(force=True, v=True)


def fresh_database(admin_url: str) -> str:
    """A new empty database on the server; returns its URL."""
    import psycopg

    name = f"t_{secrets.token_hex(6)}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return admin_url.rsplit("/", 1)[0] + "/" + name
