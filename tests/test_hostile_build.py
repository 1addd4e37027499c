"""What a learner's build may do to the grading host: its RUN steps reach the internet
(package installs work) but not the host, and a failed build leaves no layer behind."""

from __future__ import annotations

import re
import secrets
import socket
import subprocess
from pathlib import Path

import docker.errors
import pytest
from hostile.support import (  # noqa: F401  (hostile_session: the end-of-session check)
    REPOS,
    client,
    exercise,
    grade_repo,
    hostile_session,
    listening,
    verdict,
    wait_gone,
)

from kata.events import LogLine

pytestmark = [pytest.mark.docker, pytest.mark.slow]


def _host_addresses() -> list[str]:
    """The host's own addresses a build step could aim at: docker0's and the one of the
    interface that routes out (127.0.0.1 is the build container's own)."""
    shown = subprocess.run(["ip", "-4", "-o", "addr", "show", "docker0"], capture_output=True,
                           text=True, timeout=10, check=False).stdout
    docker0 = re.findall(r"inet ([0-9.]+)/", shown)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect(("192.0.2.123", 9))  # no packet sent: picks the outgoing interface
        outward = s.getsockname()[0]
    assert docker0, shown
    return sorted({*docker0, outward})


DIAL = '''import json, socket, struct
def gateway():
    for row in open("/proc/net/route").read().splitlines()[1:]:
        f = row.split()
        if f[1] == "00000000":
            return socket.inet_ntoa(struct.pack("<L", int(f[2], 16)))
seen = {{}}
for host in [gateway(), *{hosts!r}]:
    try:
        socket.create_connection((host, {port}), timeout=2).close()
        seen[host] = "reached"
    except OSError as e:
        seen[host] = type(e).__name__
print("KATA-DIAL " + json.dumps(seen))
'''


def test_build_steps_reach_packages_but_not_the_host(tmp_path: Path):
    """One build: a RUN step dials a listener on the host through the build network's
    gateway, docker0 and the host's outward address (all must fail), and another installs
    a package with pip (it must work)."""
    with listening("0.0.0.0") as listener:
        repo = tmp_path / "repo"
        repo.mkdir()
        (repo / "app.py").write_text((REPOS / "well" / "app.py").read_text())
        (repo / "dial.py").write_text(DIAL.format(hosts=_host_addresses(), port=listener.port))
        (repo / "Dockerfile").write_text(
            "FROM python:3.12-slim\n"
            f"COPY dial.py /dial.py\nRUN python3 /dial.py # {secrets.token_hex(4)}\n"
            "RUN pip install --no-cache-dir --disable-pip-version-check six==1.16.0 "
            "&& python3 -c 'import six'\n"
            "COPY app.py /app/app.py\nCMD [\"python3\", \"-u\", \"/app/app.py\"]\n")
        lines: list[str] = []

        def emit(event: object) -> None:
            if isinstance(event, LogLine):
                lines.append(event.line)

        g = grade_repo(repo, {"boot"}, exercise(build_timeout_s=120), emit=emit)
        hits = len(listener.hits)
    r = g.report
    dialed = next((x for x in lines if x.startswith("KATA-DIAL ")), "")
    assert r.problem is None, (r.problem, lines[-20:])
    assert dialed, lines[-30:]
    assert "reached" not in dialed, dialed
    assert hits == 0, f"a build step reached the host's listener {hits} times"
    assert any("Successfully installed six" in x for x in lines), lines[-30:]
    assert not wait_gone({g.run_id})
    verdict("build reaches host?", f"listener hits {hits}; {dialed[10:90]}; pip install ok",
            g.seconds)


def test_a_failed_build_leaves_no_layer(tmp_path: Path):
    """The build commits a 50 MB layer, then a step fails: the layer is removed."""
    repo = tmp_path / "repo"
    repo.mkdir()
    token = secrets.token_hex(4)
    (repo / "Dockerfile").write_text(
        "FROM python:3.12-slim\n"
        f"RUN head -c 52428800 /dev/zero > /big && echo {token}\n"
        "RUN echo failing && exit 3\n")
    lines: list[str] = []

    def emit(event: object) -> None:
        if isinstance(event, LogLine):
            lines.append(event.line)

    g = grade_repo(repo, {"boot"}, emit=emit)
    r = g.report
    assert r.problem is not None and r.problem.kind.startswith("build"), r.problem
    layers = [x.split("---> ", 1)[1].strip() for x in lines
              if x.startswith(" ---> ") and "Running in" not in x and "Using cache" not in x
              and "Removed intermediate" not in x]
    made = layers[1:]  # the first is FROM's base image
    assert made, lines
    left = []
    for image_id in made:
        try:
            client().images.get(image_id)
            left.append(image_id)
        except docker.errors.ImageNotFound:
            pass
    assert not left, f"the failed build left {left}"
    assert not wait_gone({g.run_id})
    verdict("failed build's layers", f"{len(made)} layer(s) made, 0 left", g.seconds)
