"""A process that grades several runs in a row (a verification process) removes each run
on a thread of its own while the next grade starts (kata.sandbox.housekeeping.Removals),
against the real engine: closing hands the run over without waiting for it, and draining
leaves nothing of any run behind."""

from __future__ import annotations

import pytest

from kata.catalog.models import Limits
from kata.engine import new_run_id
from kata.sandbox.docker import DockerSandbox, connect
from kata.sandbox.housekeeping import RUN_LABEL, Removals

pytestmark = pytest.mark.docker


def _left(client, run_id: str) -> list:
    label = {"label": f"{RUN_LABEL}={run_id}"}
    return (client.containers.list(all=True, filters=label) + client.networks.list(filters=label)
            + client.volumes.list(filters=label))


def test_closing_hands_the_run_over_and_draining_removes_every_run():
    client = connect()
    removals = Removals()
    runs = []
    try:
        for _ in range(2):
            box = DockerSandbox(limits=Limits(), run_id=new_run_id(), client=client,
                                removals=removals)
            box.start_service("cache", "redis:7", {}, [])
            runs.append(box.run_id)
            box.close()
            box.close()  # twice is still safe
        assert _left(client, runs[0]) or _left(client, runs[1]), (
            "close() waited for the removal: nothing was left to hand over")
    finally:
        removals.drain()
    assert not any(_left(client, run_id) for run_id in runs)
