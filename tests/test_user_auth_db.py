"""How user-auth's graders read what the app stored (graders/user_auth/_db.py), against a
real PostgreSQL service started as a grade starts it: the rows holding what kata sent are
found however much else the app keeps, and a megabyte of them is said, not cut silently."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from _graders import grader_module

from kata._poll import wait_until
from kata.catalog.models import Limits
from kata.engine import new_run_id
from kata.sandbox.docker import DockerSandbox, connect

pytestmark = pytest.mark.docker

db = grader_module("user_auth", "_db")
EMAIL, PASSWORD = "kata.0123456789@example.com", "Pw0123456789abcdKata"
ENV = {"POSTGRES_USER": "kata", "POSTGRES_PASSWORD": "kata", "POSTGRES_DB": "kata"}


@pytest.fixture(scope="module")
def app():
    box = DockerSandbox(limits=Limits(), run_id=new_run_id(), client=connect())
    try:
        svc = box.start_service("db", "postgres:15", ENV, [])
        assert wait_until(lambda: svc.exec([*db.PSQL, "SELECT 1"], timeout_s=5).code == 0,
                          60, every_s=0.5)
        yield SimpleNamespace(services={db.SERVICE: svc})
    finally:
        box.close()


def _sql(app, sql: str) -> None:
    done = app.services[db.SERVICE].exec([*db.PSQL, sql], timeout_s=60)
    assert done.code == 0, done.stderr


def test_a_password_is_found_behind_megabytes_of_other_rows(app):
    # An audit table that sorts before users and holds 3 MB: read whole, it filled the
    # exec's cap and the users row was never seen.
    _sql(app, "CREATE TABLE audit (line text); INSERT INTO audit SELECT repeat('x', 200) || i "
              "FROM generate_series(1, 15000) i")
    _sql(app, "CREATE TABLE users (email text, secret bytea, plain text); INSERT INTO users "
              f"VALUES ('{EMAIL.upper()}', convert_to('{PASSWORD}', 'UTF8'), NULL), "
              f"('someone@example.com', NULL, '{PASSWORD}')")
    rows = db.rows(app, [EMAIL])
    assert [r.table for r in rows] == ["public.users"]  # its email, upper-cased, still found
    assert rows[0].holds(PASSWORD)  # bytea decoded
    found = {r.values["email"] for r in db.rows(app, [PASSWORD]) if r.holds(PASSWORD)}
    assert found == {EMAIL.upper(), "someone@example.com"}  # as text and as bytea's hex
    assert db.rows(app, ["nowhere@example.com"]) == []


def test_a_megabyte_of_matching_rows_is_said_not_cut(app):
    _sql(app, f"CREATE TABLE log (line text); INSERT INTO log SELECT '{EMAIL}' || "
              "repeat('y', 300) FROM generate_series(1, 4000)")
    with pytest.raises(db.DatabaseUnreadable, match="more than 1 MB"):
        db.rows(app, [EMAIL])
