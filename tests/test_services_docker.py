"""A service as week 3's graders use it (real Docker): started with a command and files of
the exercise, read through a capped exec, and stopped and started again mid-grade by an
outage, with its data kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from kata._poll import wait_until
from kata.catalog.models import Limits
from kata.engine import new_run_id
from kata.sandbox.base import EXEC_OUTPUT_CAP
from kata.sandbox.docker import DockerSandbox, connect
from kata.testing import GradedApp

pytestmark = pytest.mark.docker

READY = ["redis-cli", "-p", "6390", "ping"]


@pytest.fixture
def sandbox():
    box = DockerSandbox(limits=Limits(), run_id=new_run_id(), client=connect())
    try:
        yield box
    finally:
        box.close()


def _redis(sandbox: DockerSandbox, tmp_path: Path):
    seed = tmp_path / "init"
    (seed / "deep").mkdir(parents=True)
    (seed / "deep" / "note.txt").write_text("from the exercise folder\n")
    (tmp_path / "one.conf").write_text("appendonly yes\n")
    svc = sandbox.start_service(
        "cache", "redis:7", {}, [],
        command=["redis-server", "/etc/kata/one.conf", "--port", "6390"],
        files={"/srv/init": seed, "/etc/kata/one.conf": tmp_path / "one.conf"},
    )
    assert _eventually_ready(svc)
    return svc


def _eventually_ready(svc) -> bool:
    return wait_until(lambda: svc.exec(READY, timeout_s=5).code == 0, 30, every_s=0.3)


def test_command_and_files_reach_the_service(sandbox, tmp_path):
    svc = _redis(sandbox, tmp_path)
    got = svc.exec(["cat", "/srv/init/deep/note.txt"])
    assert (got.code, got.stdout) == (0, "from the exercise folder\n")
    # the command replaced the CMD: redis listens on 6390 and read the copied config
    assert svc.exec(["redis-cli", "-p", "6390", "config", "get", "appendonly"]).stdout.split() \
        == ["appendonly", "yes"]


def test_exec_output_is_capped_and_its_code_kept(sandbox, tmp_path):
    svc = _redis(sandbox, tmp_path)
    got = svc.exec(["sh", "-c", "head -c 3000000 /dev/zero | tr '\\0' x; exit 3"])
    assert got.code == 3
    assert len(got.stdout) == EXEC_OUTPUT_CAP and got.clipped
    whole = svc.exec(["sh", "-c", f"head -c {EXEC_OUTPUT_CAP} /dev/zero | tr '\\0' x"])
    assert len(whole.stdout) == EXEC_OUTPUT_CAP and not whole.clipped  # exactly full
    slow = svc.exec(["sleep", "5"], timeout_s=1)
    assert slow.timed_out


def test_an_outage_stops_the_service_and_brings_it_back_with_its_data(sandbox, tmp_path):
    svc = _redis(sandbox, tmp_path)
    assert svc.exec(["redis-cli", "-p", "6390", "set", "k", "v"]).stdout.strip() == "OK"
    graded = GradedApp(handle=None, services={"cache": svc}, seed=1,  # type: ignore[arg-type]
                       service_ready={"cache": READY})
    with graded.outage("cache"):
        assert not svc.running()
    assert svc.running()
    assert svc.exec(READY, timeout_s=5).code == 0  # ready on leaving, not eventually
    assert svc.exec(["redis-cli", "-p", "6390", "get", "k"]).stdout.strip() == "v"
    assert [n.split(" at ")[0] for n in graded.notes] == [
        "kata stopped the service 'cache'", "kata started 'cache' again"]
