"""CLI runs (DockerApp.run): runs exec in one container kept for the grade, `fresh` ones get
a new container; both as `docker run IMAGE ARGS` would (entrypoint, env, the /data volume),
and a run past its time is stopped without stopping the next one. Real Docker."""

from __future__ import annotations

import pytest

from kata.catalog.models import Limits
from kata.sandbox.base import Image
from kata.sandbox.docker import DockerSandbox, connect

IMAGE = Image(tag="python:3.11-slim", size_bytes=0)  # a local stand-in `kata images` builds

pytestmark = pytest.mark.docker


@pytest.fixture
def app():
    sandbox = DockerSandbox(limits=Limits(cpus=1.0, memory_mb=256, pids=64),
                            run_id="test-run-exec", client=connect(), data_dir="/data")
    try:
        yield sandbox.start_app(IMAGE, {"WHO": "kata"}, 0, serve=False)
    finally:
        sandbox.close()


def sh(app, script: str, **kw):
    return app.run(["sh", "-c", script], **kw)


def test_runs_share_a_container_fresh_runs_do_not_and_data_is_shared(app):
    assert sh(app, "echo kept > /tmp/mark; echo shared > /data/mark").code == 0
    again = sh(app, "cat /tmp/mark /data/mark; echo $WHO $EXTRA", env={"EXTRA": "x"})
    assert (again.code, again.stdout.split()) == (0, ["kept", "shared", "kata", "x"])
    fresh = sh(app, "cat /data/mark; test -e /tmp/mark; echo $?", fresh=True)
    assert fresh.stdout.split() == ["shared", "1"]  # the volume carried over, /tmp did not
    err = sh(app, "echo out; echo err >&2; exit 3")
    assert (err.code, err.stdout, err.stderr) == (3, "out\n", "err\n")


def test_a_run_past_its_time_is_stopped_and_the_next_runs(app):
    slow = sh(app, "sleep 30", timeout_s=1)
    assert slow.timed_out and slow.code == -1
    after = sh(app, "echo alive")
    assert (after.code, after.stdout) == (0, "alive\n")


def test_a_runner_that_died_is_replaced(app):
    assert sh(app, "true").code == 0
    app.runner.kill()  # as the disk-limit watch does
    after = sh(app, "echo alive")
    assert (after.code, after.stdout) == (0, "alive\n")


def test_a_run_may_replace_the_images_entrypoint(tmp_path):
    """`entrypoint=` is `docker run --entrypoint`: a grader runs a shell line in an image
    whose ENTRYPOINT is the app (ci-pipeline runs the learner's test command so)."""
    (tmp_path / "Dockerfile").write_text(
        'FROM python:3.11-slim\nWORKDIR /srv\nENTRYPOINT ["python", "-c", "print(\'app\')"]\n')
    client = connect()
    tag = "kata-test-entrypoint:1"
    client.images.build(path=str(tmp_path), tag=tag, rm=True, labels={"kata": "test"})
    sandbox = DockerSandbox(limits=Limits(cpus=1.0, memory_mb=256, pids=64),
                            run_id="test-run-entry", client=client, data_dir="/data")
    try:
        app = sandbox.start_app(Image(tag=tag, size_bytes=0), {}, 0, serve=False)
        assert app.run([]).stdout == "app\n"  # the image's entrypoint
        for fresh in (False, True):
            shell = app.run(["-c", "pwd; echo $0"], entrypoint=["sh"], fresh=fresh)
            assert (shell.code, shell.stdout.split()) == (0, ["/srv", "sh"]), fresh
    finally:
        sandbox.close()
        client.images.remove(tag, force=True)
