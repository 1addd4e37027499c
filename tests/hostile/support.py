"""What the hostile-repository tests share: the throwaway ``hostile`` exercise, grading a
fixture repo with the real engine (in this process or through the ``kata`` command), and
the check that nothing kata made is left behind.

Every grading records the run ids it made, and the ``hostile_session`` fixture (imported
by each hostile test module) checks at the end of the session that no container, network,
volume, image or firewall rule labelled kata remains — apart from what live processes that
are not this test session own (other engineers' gradings on a shared machine).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import docker
import docker.errors
import pytest

from kata.catalog import load_catalog
from kata.catalog.models import Exercise
from kata.engine import GradeOptions, grade
from kata.events import Handler, ignore
from kata.repo import open_repo
from kata.report import Report
from kata.sandbox.docker import DockerSandbox, connect
from kata.sandbox.housekeeping import (
    LABEL,
    PID_LABEL,
    RUN_IMAGE_REPO,
    RUN_LABEL,
    image_summaries,
    pid_alive,
)

HOSTILE = Path(__file__).resolve().parent
ROOT = HOSTILE.parents[1]
HOME = HOSTILE / "home"
REPOS = HOSTILE / "repos"
KATA = ROOT / ".venv" / "bin" / "kata"
PYTHON = ROOT / ".venv" / "bin" / "python"
CATALOG = load_catalog(HOME)
EXERCISE = CATALOG.get("hostile")
GRADERS = CATALOG.grader_dir(EXERCISE)
# What these tests start themselves (listeners): labelled kata.test=hostile, never `kata`.
TEST_LABEL = "kata.test"
TEST_LABELS = {TEST_LABEL: "hostile"}
HOST = socket.gethostname()

# run ids made by this session (in process or by `kata` subprocesses), for the final check
RUNS: set[str] = set()
# (case, verdict, seconds) for the closing summary
VERDICTS: list[tuple[str, str, float]] = []


def client() -> docker.DockerClient:
    return connect()


def exercise(*, env: dict[str, str] | None = None, timeout_s: float | None = None,
             build_timeout_s: float | None = None, services: dict | None = None) -> Exercise:
    """The hostile exercise with a few changes (a frozen model, so a changed copy)."""
    ex = EXERCISE
    app = ex.app
    if env is not None:
        app = app.model_copy(update={"env": {**app.env, **env}})
    if timeout_s is not None:
        app = app.model_copy(update={"readiness": app.readiness.model_copy(
            update={"timeout_s": timeout_s})})
    changes: dict[str, Any] = {"app": app}
    if build_timeout_s is not None:
        changes["limits"] = ex.limits.model_copy(update={"build_timeout_s": build_timeout_s})
    if services is not None:
        changes["services"] = services
    return ex.model_copy(update=changes)


@dataclass
class Graded:
    report: Report
    seconds: float
    run_id: str = ""


def grade_repo(folder: Path, only: set[str] | None, ex: Exercise | None = None,
               emit: Handler = ignore, factory: Callable | None = None) -> Graded:
    """Grade a fixture repo with the real engine, in this process; time it."""
    ex = ex or EXERCISE
    docker_client = client()
    made: list[str] = []

    def sandbox(e: Exercise, run_id: str) -> DockerSandbox:
        made.append(run_id)
        RUNS.add(run_id)
        if factory is not None:
            return factory(e, run_id, docker_client)
        return DockerSandbox(limits=e.limits, run_id=run_id, client=docker_client)

    start = time.monotonic()
    report = grade(ex, open_repo(folder), GRADERS, sandbox, GradeOptions(only=only), emit)
    return Graded(report, time.monotonic() - start, made[0] if made else "")


def copy_repo(name: str, dest: Path) -> Path:
    shutil.copytree(REPOS / name, dest, symlinks=True)
    return dest


# -- the kata command ---------------------------------------------------------------------
def kata_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update({"KATA_HOME": str(HOME), "NO_COLOR": "1", "COLUMNS": "100", "TERM": "dumb"})
    env.update(extra)
    return env


def run_kata(*args: str, timeout_s: float = 120, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(KATA), *args], capture_output=True, text=True, cwd=ROOT,
                          env=kata_env(**env), timeout=timeout_s, check=False)


@dataclass
class KataProcess:
    """``kata grade`` running in the background, its stderr collected as it comes."""

    proc: subprocess.Popen
    err_path: Path
    runs: set[str] = field(default_factory=set)

    @property
    def stderr(self) -> str:
        return self.err_path.read_text(errors="replace")

    def labels(self) -> list[dict[str, str]]:
        """Labels of the containers this process made (and notes their run ids)."""
        owner = f"{HOST}:{self.proc.pid}"
        found = [c.attrs.get("Labels") or {} for c in client().containers.list(
            all=True, sparse=True, filters={"label": f"{PID_LABEL}={owner}"})]
        for labels in found:
            self.runs.add(labels.get(RUN_LABEL, ""))
            RUNS.add(labels.get(RUN_LABEL, ""))
        return found

    def networks(self) -> set[str]:
        """Names of the networks this process made (and notes their run ids)."""
        owner = f"{HOST}:{self.proc.pid}"
        found = client().networks.list(filters={"label": f"{PID_LABEL}={owner}"})
        for n in found:
            run = (n.attrs.get("Labels") or {}).get(RUN_LABEL, "")
            self.runs.add(run)
            RUNS.add(run)
        return {n.name for n in found}

    def wait_for(self, check: Callable[[], bool], within_s: float, what: str) -> None:
        end = time.monotonic() + within_s
        while time.monotonic() < end:  # bounded in time
            if self.proc.poll() is not None:
                raise AssertionError(f"kata ended ({self.proc.returncode}) before {what}:\n"
                                     f"{self.stderr}")
            if check():
                return
            time.sleep(0.1)
        raise AssertionError(f"no {what} within {within_s:.0f} s:\n{self.stderr}")

    def signal(self, signum: int) -> None:
        self.proc.send_signal(signum)

    def finish(self, within_s: float = 60) -> int:
        try:
            return self.proc.wait(timeout=within_s)
        except subprocess.TimeoutExpired:
            self.proc.kill()  # only the process this test started, by its handle
            self.proc.wait(timeout=30)
            raise AssertionError(
                f"kata did not end within {within_s:.0f} s:\n{self.stderr}") from None


def start_kata(tmp_path: Path, *args: str, sigint_ignored: bool = False,
               **env: str) -> KataProcess:
    """``kata`` in the background; ``sigint_ignored`` starts it as a shell script's ``&``
    job starts (SIGINT ignored, inherited across exec)."""
    err_path = tmp_path / f"kata-{time.monotonic_ns()}.err"

    def ignore_sigint() -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)

    with open(err_path, "w") as err, open(os.devnull, "w") as out:
        proc = subprocess.Popen([str(KATA), *args], stdout=out, stderr=err, cwd=ROOT,
                                env=kata_env(**env),
                                preexec_fn=ignore_sigint if sigint_ignored else None)
    return KataProcess(proc, err_path)


def python_driver(code: str, timeout_s: float = 180) -> dict:
    """Run ``code`` in a fresh interpreter (kata's venv); it prints one JSON line last."""
    done = subprocess.run([str(PYTHON), "-c", code], capture_output=True, text=True, cwd=ROOT,
                          env=kata_env(), timeout=timeout_s, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- what must not be left behind ----------------------------------------------------------
def _foreign(labels: dict[str, str]) -> bool:
    """Owned by a live process other than this test session: another engineer's grading
    (or a `kata grade --keep` left on purpose) on a shared machine. Never so in CI."""
    owner = labels.get(PID_LABEL, "")
    if labels.get(RUN_LABEL) in RUNS:
        return False
    if owner == "kept":
        return True
    host, _, pid = owner.partition(":")
    return host == HOST and pid.isdigit() and int(pid) != os.getpid() and pid_alive(int(pid))


def bridges_blocked() -> set[str]:
    """Bridges that have kata's host-block rule in the INPUT chain."""
    if not shutil.which("iptables"):
        return set()
    rules = subprocess.run(["iptables", "-w", "5", "-S", "INPUT"], capture_output=True,
                           text=True, timeout=30, check=False).stdout
    return set(re.findall(r"-i (k[tb][0-9a-f]+) .*-j DROP", rules))


def leftovers(runs: set[str] | None = None) -> list[str]:
    """Everything labelled kata that should be gone: of the given runs, or (None) of any
    run that is not a live foreign one. Also the host-block rules of vanished networks."""
    c = client()

    def wanted(labels: dict[str, str]) -> bool:
        if runs is not None:
            return labels.get(RUN_LABEL) in runs
        return not _foreign(labels)

    found = [f"container {x.attrs.get('Names')}" for x in c.containers.list(
        all=True, sparse=True, filters={"label": LABEL}) if wanted(x.attrs.get("Labels") or {})]
    found += [f"network {n.name}" for n in c.networks.list(filters={"label": LABEL})
              if wanted(n.attrs.get("Labels") or {})]
    found += [f"volume {v.name}" for v in c.volumes.list(filters={"label": LABEL})
              if wanted(v.attrs.get("Labels") or {})]
    found += [f"image tag {t}" for i in image_summaries(c, name=RUN_IMAGE_REPO)
              for t in i.get("RepoTags") or []
              if t.partition(":")[2] in (RUNS if runs is None else runs)]
    if runs is None:  # the session's end: images and the tests' own listeners too
        found += [f"image {i.get('RepoTags') or i['Id']}"
                  for i in image_summaries(c, filters={"label": LABEL})]
        mine = {"label": f"{TEST_LABEL}=hostile"}
        found += [f"test container {x.attrs.get('Names')}"
                  for x in c.containers.list(all=True, sparse=True, filters=mine)]
        found += [f"test network {n.name}" for n in c.networks.list(filters=mine)]
    live = {(n.attrs.get("Options") or {}).get("com.docker.network.bridge.name")
            for n in c.networks.list(filters={"label": LABEL})}
    mine = {f"k{kind}{r[:12]}" for r in (runs if runs is not None else RUNS) if r
            for kind in "tb"}
    for bridge in bridges_blocked() - live:
        if runs is None or bridge in mine:
            found.append(f"iptables INPUT rule for {bridge}")
    return found


def wait_gone(runs: set[str], within_s: float = 20) -> list[str]:
    """Leftovers of these runs, after giving Docker a moment to finish removing them."""
    end = time.monotonic() + within_s
    left = leftovers(runs)
    while left and time.monotonic() < end:  # bounded in time
        time.sleep(0.5)
        left = leftovers(runs)
    return left


def lasting_leftovers(within_s: float = 20) -> list[str]:
    """Leftovers of any run that stay: a kata beside this session on a shared host (another
    test session, a `kata verify`) is for a moment between removing its build network and
    dropping that network's host-block rule, which looks like debris until it is done."""
    end = time.monotonic() + within_s
    left = leftovers(None)
    while left and time.monotonic() < end:  # bounded in time
        time.sleep(0.5)
        left = [x for x in leftovers(None) if x in left]  # what is new is not lasting yet
    return left


def build_containers(token: str) -> list[str]:
    """Build containers (the legacy builder's, unlabelled) whose command holds ``token``."""
    return [x.id for x in client().containers.list(all=True, sparse=True)
            if token in (x.attrs.get("Command") or "")]


def remove_hostile_images() -> None:
    """The suite's cached learner images (kata-cache/hostile:*), so it leaves none."""
    c = client()
    for img in c.images.list(name="kata-cache/hostile"):
        try:
            c.images.remove(img.id, force=True)
        except docker.errors.APIError:
            pass


def verdict(case: str, text: str, seconds: float) -> None:
    VERDICTS.append((case, text, seconds))


@pytest.fixture(scope="session", autouse=True)
def hostile_session(request: pytest.FixtureRequest) -> Iterator[None]:
    """At the end of the session: nothing kata made is left; print each case's verdict."""
    yield
    if getattr(request.config, "_hostile_done", False):
        return
    request.config._hostile_done = True  # imported by several modules: act once
    left = wait_gone(RUNS, within_s=20) + lasting_leftovers()
    remove_hostile_images()
    term = request.config.pluginmanager.getplugin("terminalreporter")
    capture = request.config.pluginmanager.getplugin("capturemanager")
    if term is not None and capture is not None and VERDICTS:
        with capture.global_and_fixture_disabled():
            term.write_line("")
            term.write_line("hostile repositories: case · seconds · verdict")
            for case, text, seconds in VERDICTS:
                term.write_line(f"  {case:<24} {seconds:5.1f} s  {text}")
    assert not sorted(set(left)), f"left behind after the hostile suite: {sorted(set(left))}"


def signal_name(signum: int) -> str:
    return signal.Signals(signum).name


def no_traceback(*texts: str) -> None:
    for text in texts:
        assert "Traceback" not in text, text[-3000:]



# -- a listener on the grading host: what a hostile app (or its build) tries to reach -------
class Listener:
    """A TCP listener in this process that counts the connections it accepts (and keeps
    the first bytes of each): each one is a request or a build step that reached the host."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        import threading

        self.sock = socket.create_server((host, 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.hits: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():  # bounded: stop() ends it within 0.2 s
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            with conn:
                conn.settimeout(1.0)
                try:
                    self.hits.append(conn.recv(200))
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nstolen")
                except OSError:
                    self.hits.append(b"")

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.sock.close()


@contextlib.contextmanager
def listening(host: str = "127.0.0.1") -> Iterator[Listener]:
    listener = Listener(host)
    try:
        yield listener
    finally:
        listener.stop()
