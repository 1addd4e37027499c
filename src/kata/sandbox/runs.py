"""One run of the learner's image as a command (CLI exercises): in a container of its own
that is removed after, or as an exec in the runner container a grade's runs share."""

from __future__ import annotations

import socket
import threading
import time

import docker.errors
from docker.models.containers import Container

from kata.sandbox.base import Completed
from kata.sandbox.logtail import Tail, strip_ansi

LOGS_TAIL = 2000  # lines of each stream a run in its own container keeps


def run_in(container: Container, args: list[str], stdin: str | None,
           timeout_s: float) -> Completed:
    """Start ``container`` (created for this one run), feed it ``stdin``, wait for it
    (killed after ``timeout_s``) and read what it wrote."""
    if stdin is not None:
        sock = container.attach_socket(params={"stdin": 1, "stream": 1})
        container.start()
        raw = getattr(sock, "_sock", sock)
        raw.sendall(stdin.encode())
        raw.shutdown(socket.SHUT_WR)
        sock.close()
    else:
        container.start()
    timed_out = False
    try:
        result = container.wait(timeout=timeout_s)
        code = int(result.get("StatusCode", -1))
    except Exception:  # requests' ReadTimeout: the command ran too long
        timed_out = True
        container.kill()
        code = -1
    out = container.logs(stdout=True, stderr=False, tail=LOGS_TAIL)
    err = container.logs(stdout=False, stderr=True, tail=LOGS_TAIL)
    return Completed(
        args=args,
        code=code,
        stdout=strip_ansi(out.decode("utf-8", "replace")),
        stderr=strip_ansi(err.decode("utf-8", "replace")),
        timed_out=timed_out,
    )


def idles(container: Container) -> bool:
    """Start a runner container (its entrypoint `sleep infinity`); False, and the container
    removed, when it does not stay up (e.g. an image FROM scratch has no `sleep`)."""
    try:
        container.start()
        container.reload()
    except docker.errors.APIError:
        container.remove(force=True)
        return False
    if container.status != "running":
        container.remove(force=True)
        return False
    return True


def exec_in(client: docker.DockerClient, container: Container, command: list[str],
            args: list[str], timeout_s: float, env: dict[str, str]) -> Completed:
    """One run as an exec in ``container`` (its working dir and user, as `docker run`
    would use). Running over ``timeout_s`` kills the container: Docker cannot stop an
    exec alone, and a hung command must not outlive its run."""
    api = client.api
    ex = api.exec_create(container.id, command, environment=env)
    timed_out = threading.Event()

    def expire() -> None:
        timed_out.set()
        try:
            container.kill()
        except docker.errors.APIError:
            pass

    timer = threading.Timer(timeout_s, expire)
    timer.daemon = True
    out, err = Tail(), Tail()
    timer.start()
    try:
        for chunk_out, chunk_err in api.exec_start(ex["Id"], stream=True, demux=True):
            out.add(chunk_out)
            err.add(chunk_err)
    finally:
        timer.cancel()
    code = -1
    for _ in range(40):  # the stream ends as the process does; its code lands just after
        info = api.exec_inspect(ex["Id"])
        if not info.get("Running"):
            code = int(info["ExitCode"]) if info.get("ExitCode") is not None else -1
            break
        time.sleep(0.05)
    if timed_out.is_set():
        code = -1
    return Completed(args=args, code=code, stdout=out.text(), stderr=err.text(),
                     timed_out=timed_out.is_set())
