"""What the app container may do, by the user its image starts as (real Docker): an image
that starts as root gets back only what dropping to its own user takes, and the process
that dropped keeps nothing; an image that names its user gets no capability at all."""

from __future__ import annotations

import time

import pytest

from kata.catalog.models import Limits
from kata.engine import new_run_id
from kata.sandbox.base import Image
from kata.sandbox.docker import DockerSandbox, connect

pytestmark = pytest.mark.docker

GRANTED = 0xEB  # CHOWN 0, DAC_OVERRIDE 1, FOWNER 3, KILL 5, SETGID 6, SETUID 7


def _status(app, pid: str = "self") -> dict[str, str]:
    code, out = app.container.exec_run(["cat", f"/proc/{pid}/status"])
    assert code == 0, out
    rows = (line.split(":", 1) for line in out.decode().splitlines() if ":" in line)
    return {k: v.split()[0] if v.split() else "" for k, v in rows}


def _pid_of(app, name: str) -> str:
    end = time.monotonic() + 20
    while time.monotonic() < end:  # bounded: the entrypoint needs a moment to exec
        code, out = app.container.exec_run(
            ["sh", "-c", f"grep -l '^Name:.{name}' /proc/[0-9]*/status"])
        if code == 0 and out.strip():
            return out.decode().split()[0].split("/")[2]
        time.sleep(0.3)
    raise AssertionError(f"no {name} process in the app")


@pytest.fixture
def sandboxes():
    """Sandboxes on demand (one app each), all removed afterwards."""
    made: list[DockerSandbox] = []
    client = connect()

    def make() -> DockerSandbox:
        made.append(DockerSandbox(limits=Limits(), run_id=new_run_id(), client=client))
        return made[-1]

    try:
        yield make
    finally:
        for box in made:
            box.close()


def test_capabilities_follow_the_images_user(sandboxes, tmp_path):
    # redis:7 starts as root and its entrypoint drops to redis (gosu): it boots, and the
    # server runs as uid 999 with no capability left
    redis = sandboxes().start_app(Image("redis:7", 0), {}, 6379)
    server = _status(redis, _pid_of(redis, "redis-server"))
    assert server["Uid"] == "999" and int(server["CapEff"], 16) == 0, server
    assert int(server["CapBnd"], 16) == GRANTED and server["NoNewPrivs"] == "1", server

    # the same kind of image naming its user: nothing in the bounding set; `command`
    # replaces the image's CMD (which would exit 3)
    (tmp_path / "Dockerfile").write_text("FROM python:3.12-slim\nUSER 65534\n"
                                         'CMD ["python3", "-c", "raise SystemExit(3)"]\n')
    sandbox = sandboxes()
    image = sandbox.build(tmp_path, str(tmp_path / "Dockerfile"), 120, lambda line: None)
    user = sandbox.start_app(image, {}, 8000, command=["sleep", "60"])
    me = _status(user)
    assert me["Uid"] == "65534" and int(me["CapBnd"], 16) == 0, me
    assert me["NoNewPrivs"] == "1", me
    assert user.running()
    # a CLI app: kata.toml's command is the program each run's arguments follow
    cli = sandbox.start_app(image, {}, 0, serve=False, command=["python3", "-c"])
    done = cli.run(["import os; print(6 * 7, os.getuid())"], timeout_s=30)
    assert (done.code, done.stdout.split()) == (0, ["42", "65534"]), done
