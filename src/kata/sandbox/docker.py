"""The Docker sandbox: where untrusted learner code is built and run.

Containment, in one place:
* the app runs with CPU, memory (swap included) and pids limits, an init process, every
  capability dropped, no-new-privileges, no Docker socket, a capped log; an image that
  starts as root gets back only what dropping to its own user takes (``ROOT_DROP_CAPS``);
* what it writes is bounded too: overlay2 on ext4 has no per-container quota, so a file may
  not outgrow ``limits.disk_mb`` (RLIMIT_FSIZE) and a watch stops the app once its writable
  layer does (``_Watch``, four times a second: the overshoot is what it writes meanwhile);
* the app's network is a private ``internal`` bridge: it reaches its services and nothing
  else. Docker still lets it reach the host through the bridge's gateway address, so an
  iptables rule drops new connections from that bridge to the host;
* a build's RUN steps run on a bridge network of the run (``kata-<run>-build``) with the
  same host block: package installs reach the internet, no step reaches the host. A
  failed build's own layers (read from its log) are removed: untagged and unlabelled,
  nothing else would find them;
* everything made here carries the labels ``kata`` and ``kata.run=<id>`` and is removed by
  ``close()`` — on success, error, Ctrl-C, and (through ``reap_orphans``) after a crash.
  ``close()`` holds Ctrl-C and SIGTERM until it is done, and looks again for a while when
  a create request was cut short (Docker may still carry it out). ``kata.state`` names the
  state directory of the kata that made it: ``kata clean`` removes only its own.

Not bounded here: the time to pack and send a huge build context (before the deadline
starts), a data volume's size (outside the writable layer), and which local images a
Dockerfile may build FROM (any on the machine, other learners' cached images included).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import docker
import docker.errors
import docker.utils
from docker.models.containers import Container

from kata.catalog.models import Limits
from kata.errors import (
    AppExited,
    BuildFailed,
    BuildTimeout,
    DockerUnavailable,
    ImageMissing,
    KataError,
    UnknownImage,
)
from kata.sandbox.base import Completed, Image
from kata.sandbox.kept import publish

LABEL = "kata"
RUN_LABEL = "kata.run"
PID_LABEL = "kata.pid"
CACHE_LABEL = "kata.cache"
STATE_LABEL = "kata.state"  # which state directory's kata made it: `kata clean` keeps to its own
RUN_IMAGE_REPO = "kata-app"  # kata-app:<run id>, the tag one grading runs its app from
ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
LOG_TAIL_LINES = 60
BUILD_MEMORY = 2 * 1024**3
DOCKER_DNS = "127.0.0.11"
CACHE_KEEP = 12  # cached learner images kept per exercise: a cohort's worth of warm grades
LOG_FILE_BYTES = 5 * 2**20  # the app's json-file log: two files of this, then it is cut
WATCH_EVERY_S = 0.25
SETTLE_CHECKS = 6  # after an interrupted create, look for what landed for three seconds
WATCH_MAX_TICKS = 4 * 6 * 3600  # a watch never outlives six hours, whatever happens
# What an image that starts as root needs to drop to its own user, as the official server
# images do (redis, postgres: `gosu`/`su-exec`/`setpriv` in the entrypoint), and nothing
# else: SETUID/SETGID to switch user and groups; CHOWN, FOWNER and DAC_OVERRIDE for the
# entrypoint's `chown`/`chmod` of its data folder (files it does not own, in folders only
# their owner may enter); KILL so the init process (root) can forward SIGTERM to the app
# once it runs as another user (without it tini fails, and the app is killed unsaved).
# Measured on the redis:7 and postgres:15 images, one left out at a time: without SETUID
# or SETGID neither starts; without DAC_OVERRIDE postgres cannot enter its data folder;
# without FOWNER its chmod fails; without CHOWN a root-owned file in redis' /data (a
# COPY) stops the entrypoint; without KILL neither shuts down cleanly.
# Each acts only inside the container's own namespaces; none mounts, opens devices or raw
# sockets, traces, or reads by file handle (DAC_READ_SEARCH, the "shocker" escape).
# no-new-privileges stays, and the process that switched user keeps no capability.
ROOT_DROP_CAPS = ("CHOWN", "DAC_OVERRIDE", "FOWNER", "KILL", "SETGID", "SETUID")


def strip_ansi(text: str) -> str:
    return ANSI.sub("", text)


def connect() -> docker.DockerClient:
    try:
        client = docker.from_env(timeout=120)
        client.ping()
        return client
    except Exception as e:  # the SDK raises several unrelated types for "no daemon"
        where = os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"
        raise DockerUnavailable(
            f"Docker is not reachable at {where} ({type(e).__name__})",
            "start the Docker engine (e.g. `sudo dockerd &` or Docker Desktop), then retry",
        ) from None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def state_id() -> str:
    """This kata's state directory, as a label value: runs kept by a kata of another state
    directory (another user, another test session) are not this one's to clean."""
    import hashlib

    from kata.paths import state_dir

    return hashlib.sha256(str(state_dir().resolve()).encode()).hexdigest()[:16]


def reap_orphans(client: docker.DockerClient, include_kept: bool = False,
                 state: str | None = None) -> list[str]:
    """Remove what earlier kata runs on this host left behind when killed outright
    (containers, and the networks and volumes of runs killed before any container) and,
    when asked, runs kept with --keep. Runs of live kata processes are left alone; with
    ``state``, so are runs another state directory's kata made. The run ids removed."""
    dead: set[str] = set()
    host = socket.gethostname()
    labelled = [
        # sparse: no inspect per container, which fails when another run removes one meanwhile
        *((c.attrs.get("Labels") or {})
          for c in client.containers.list(all=True, sparse=True, filters={"label": LABEL})),
        *((n.attrs.get("Labels") or {}) for n in client.networks.list(filters={"label": LABEL})),
        *((v.attrs.get("Labels") or {}) for v in client.volumes.list(filters={"label": LABEL})),
    ]
    for labels in labelled:
        pid, run = labels.get(PID_LABEL, ""), labels.get(RUN_LABEL, "")
        if state is not None and labels.get(STATE_LABEL) != state:
            continue
        owner_host, _, pid_s = pid.partition(":")
        if run and owner_host == host and pid_s.isdigit() and not _pid_alive(int(pid_s)):
            dead.add(run)
        elif run and include_kept and pid == "kept":
            dead.add(run)
    for run in dead:
        remove_run(client, run)
    # A rule outlives its network only when a kata was stopped between the two removals;
    # it matches no traffic, but it is kata's debris on the host and nothing labels it.
    _drop_orphan_host_blocks(client, None)
    return sorted(dead)


def evict_cache(client: docker.DockerClient, repository: str, keep: int) -> int:
    """Keep the newest ``keep`` cached images of one exercise, so the cache (one image per
    graded folder) does not grow without bound across cohorts and test runs."""
    images = sorted(image_summaries(client, name=repository, filters={"label": CACHE_LABEL}),
                    key=lambda i: i.get("Created") or 0, reverse=True)
    removed = 0
    for img in images[keep:]:
        for tag in _tags(img):
            try:
                client.images.remove(tag)  # not forced: an image in use stays
                removed += 1
            except docker.errors.APIError:
                pass
    return removed


def remove_run(client: docker.DockerClient, run_id: str | None) -> None:
    """Remove every container, network and volume of one run (all runs when None)."""
    label = f"{RUN_LABEL}={run_id}" if run_id else LABEL
    for c in client.containers.list(all=True, sparse=True, filters={"label": label}):
        try:
            c.remove(force=True, v=True)
        except docker.errors.NotFound:
            pass
    for n in client.networks.list(filters={"label": label}):
        try:
            n.remove()
        except docker.errors.NotFound:
            pass
        except docker.errors.APIError:  # something not of this run joined it: cut it loose
            _remove_network_by_force(client, n.id)
        # after the network is gone: a container still on it stays blocked until then
        _drop_host_block(n.attrs.get("Options", {}).get("com.docker.network.bridge.name", ""))
    _drop_orphan_host_blocks(client, run_id)
    for v in client.volumes.list(filters={"label": label}):
        try:
            v.remove(force=True)
        except docker.errors.NotFound:
            pass
    for img in image_summaries(client, filters={"label": label}):
        try:
            client.images.remove(img["Id"], force=True)
        except docker.errors.APIError:
            pass
    # The run's image tag. Removing a tag only untags an image that the cache (or another
    # run) still names; the image goes with its last tag.
    for img in image_summaries(client, name=RUN_IMAGE_REPO):
        for t in _tags(img):
            if run_id is None or t == run_image_tag(run_id):
                try:
                    client.images.remove(t, force=True)
                except docker.errors.APIError:
                    pass


def image_summaries(client: docker.DockerClient, **query) -> list[dict]:
    """The images as one listing (Id, RepoTags, Created). Not ``client.images.list``: it
    inspects each image after listing, which fails when a concurrent grading removes one
    in between (a CI run failed on it)."""
    return client.api.images(**query)


def _tags(summary: dict) -> list[str]:
    return [t for t in summary.get("RepoTags") or [] if t != "<none>:<none>"]


def run_image_tag(run_id: str) -> str:
    return f"{RUN_IMAGE_REPO}:{run_id}"


def _image_id(client: docker.DockerClient, name: str) -> str | None:
    try:
        return client.images.get(name).id
    except docker.errors.ImageNotFound:
        return None


def _drop_if_untagged(client: docker.DockerClient, image_id: str) -> None:
    """The image our cache tag named before this build, once nothing names it: not a
    blanket prune of dangling images, which would take another grading's image in the
    moment between its build committing it and tagging it."""
    try:
        if not client.images.get(image_id).tags:
            client.images.remove(image_id)  # not forced: a container using it keeps it
    except docker.errors.APIError:
        pass


def _remove_network_by_force(client: docker.DockerClient, network_id: str,
                             settle_s: float = 15.0) -> None:
    """Cut every endpoint loose, then remove the network; a container Docker is still
    removing (a build hung up on) keeps its endpoint for a moment, so try for a while."""
    end = time.monotonic() + settle_s
    while True:  # bounded by settle_s
        try:
            net = client.networks.get(network_id)
            for endpoint in (net.attrs.get("Containers") or {}):
                try:
                    net.disconnect(endpoint, force=True)
                except docker.errors.APIError:
                    pass
            net.remove()
            return
        except docker.errors.NotFound:
            return
        except docker.errors.APIError:
            if time.monotonic() >= end:
                return  # left for the next run's reaping
            time.sleep(0.5)


# The host firewall rule that stops the app network from reaching the host itself.
IPTABLES_BUSY = 4  # iptables' exit code for a busy xtables lock (dockerd takes it too)
IPTABLES_BUSY_S = 60.0


def _iptables(*args: str) -> bool:
    """Run iptables; a busy lock is retried (bounded), since a rule left behind or never
    added is worse than a wait. False when the command failed for any other reason."""
    if not shutil.which("iptables"):
        return False
    end = time.monotonic() + IPTABLES_BUSY_S
    while True:  # bounded by IPTABLES_BUSY_S
        done = subprocess.run(["iptables", "-w", "10", *args], capture_output=True,
                              check=False, timeout=60)
        if done.returncode != IPTABLES_BUSY or time.monotonic() >= end:
            return done.returncode == 0
        time.sleep(0.2)


def _host_block_rule(bridge: str) -> list[str]:
    return ["INPUT", "-i", bridge, "-m", "conntrack", "!", "--ctstate",
            "ESTABLISHED,RELATED", "-j", "DROP"]


def _add_host_block(bridge: str) -> bool:
    return _iptables("-I", *_host_block_rule(bridge))


def _drop_host_block(bridge: str) -> None:
    if bridge:
        for _ in range(16):  # one rule per network; a few more if a run was retried
            if not _iptables("-D", *_host_block_rule(bridge)):
                break


def _run_bridges(run_id: str) -> set[str]:
    """The bridge names a run's networks get: the app network's and the build's."""
    return {f"kt{run_id[:12]}", f"kb{run_id[:12]}"}


def _blocked_bridges() -> set[str]:
    """Bridges with a kata host-block rule in the INPUT chain now."""
    if not shutil.which("iptables"):
        return set()
    rules = subprocess.run(["iptables", "-w", "10", "-S", "INPUT"], capture_output=True,
                           text=True, check=False, timeout=60).stdout
    return set(re.findall(r"-i (k[tb][0-9a-f]{12}) .*-j DROP", rules))


def _drop_orphan_host_blocks(client: docker.DockerClient, run_id: str | None) -> None:
    """Drop the host blocks whose network is gone. A run cut short between removing a
    network and dropping its rule (a Ctrl-C right after the build network went) leaves
    one; bridge names are derived from the run id, so the rule is found again here."""
    candidates = _run_bridges(run_id) if run_id else _blocked_bridges()
    if not candidates:
        return
    live = {(n.attrs.get("Options") or {}).get("com.docker.network.bridge.name")
            for n in client.networks.list()}
    for bridge in sorted(candidates - live):
        _drop_host_block(bridge)


class _Watch:
    """Watches one app container while kata grades it: stops it once its writable layer
    outgrows the disk limit, and counts the processes the pids limit refused it (read from
    the container's cgroup on this host; Docker's stats API is too slow to poll)."""

    def __init__(self, client: docker.DockerClient, container_id: str, limits: Limits) -> None:
        self.api = client.api
        self.cid = container_id
        self.limits = limits
        self.disk_used = 0
        self.tripped = False
        self.pids_refused = 0  # forks and threads the pids limit refused (this cgroup's life)
        self._pid = 0
        self._pids_events: Path | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True,
                                        name=f"kata-watch-{container_id[:12]}")
        self._thread.start()

    def _run(self) -> None:
        for _ in range(WATCH_MAX_TICKS):
            if self._stop.wait(WATCH_EVERY_S):
                return
            try:
                self.check()
            except docker.errors.NotFound:
                return
            except (docker.errors.APIError, OSError, ValueError):  # busy daemon: next tick
                pass

    def check(self) -> None:
        api = self.api
        info = api._result(api._get(api._url("/containers/{0}/json", self.cid),
                                    params={"size": 1}), True)
        if not info["State"].get("Running"):
            return
        self.disk_used = max(self.disk_used, int(info.get("SizeRw") or 0))
        if self.disk_used > self.limits.disk_mb * 2**20 and not self.tripped:
            self.tripped = True
            api.kill(self.cid)
            return
        pid = int(info["State"].get("Pid") or 0)
        if pid != self._pid:
            self._pid, self._pids_events = pid, _cgroup_file(pid, "pids", "pids.events")
        if self._pids_events is not None:
            for line in self._pids_events.read_text().splitlines():
                key, _, count = line.partition(" ")
                if key == "max" and count.strip().isdigit():
                    self.pids_refused = max(self.pids_refused, int(count))

    @property
    def disk_note(self) -> str:
        return (f"the app wrote {-(-self.disk_used // 2**20)} MB into its container's filesystem, "
                f"more than its limit of {self.limits.disk_mb} MB, and was stopped")

    def stop(self) -> None:
        self._stop.set()


def _cgroup_file(pid: int, controller: str, name: str) -> Path | None:
    """A file of the cgroup (v1 or v2) that process ``pid`` is in, if this host shows it."""
    try:
        lines = Path(f"/proc/{pid}/cgroup").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if controller in controllers.split(","):  # cgroup v1: one hierarchy per controller
            found = Path("/sys/fs/cgroup", controller, path.lstrip("/"), name)
        elif controllers == "":  # cgroup v2: one hierarchy
            found = Path("/sys/fs/cgroup", path.lstrip("/"), name)
        else:
            continue
        if found.is_file():
            return found
    return None


class _Tail:
    """The last lines a run wrote to one stream (as `docker logs --tail` keeps them), held
    in bounded memory whatever the run writes."""

    KEEP_BYTES = 4 * 2**20
    KEEP_LINES = 2000

    def __init__(self) -> None:
        self.data = bytearray()

    def add(self, chunk: bytes | None) -> None:
        if chunk:
            self.data += chunk
            if len(self.data) > 2 * self.KEEP_BYTES:
                del self.data[: len(self.data) - self.KEEP_BYTES]

    def text(self) -> str:
        lines = self.data.decode("utf-8", "replace").splitlines(keepends=True)
        return strip_ansi("".join(lines[-self.KEEP_LINES:]))


@dataclass
class DockerService:
    name: str
    host: str
    ip: str
    container: Container

    def exec(self, cmd: list[str], timeout_s: float = 30) -> Completed:
        wrapped = ["timeout", str(int(timeout_s)), *cmd]
        code, out = self.container.exec_run(wrapped, demux=True)
        stdout, stderr = out if out else (b"", b"")
        return Completed(
            args=cmd,
            code=code,
            stdout=(stdout or b"").decode("utf-8", "replace"),
            stderr=(stderr or b"").decode("utf-8", "replace"),
            timed_out=code == 124,
        )

    def running(self) -> bool:
        try:
            self.container.reload()
        except docker.errors.NotFound:
            return False
        return self.container.status == "running"


@dataclass
class DockerApp:
    sandbox: DockerSandbox
    image: Image
    port: int
    env: dict[str, str]
    command: list[str] = field(default_factory=list)  # kata.toml's, before a CLI run's args
    container: Container | None = None
    ip: str = ""
    published: str = ""  # "127.0.0.1:PORT": where a kept app answers (kata.sandbox.kept)
    watch: _Watch | None = None
    oom_seen: bool = False  # Docker forgets an OOM kill when the container starts again
    # CLI exercises: one long-lived container where runs exec (a container start costs
    # ~0.3 s, an exec ~0.05 s); runs that must not share it ask for a fresh one
    runner: Container | None = None
    _runner_lock: threading.Lock = field(default_factory=threading.Lock)
    _no_runner: bool = False
    _entry: list[str] | None = None

    def _refresh_ip(self) -> None:
        assert self.container is not None
        self.container.reload()
        nets = self.container.attrs["NetworkSettings"]["Networks"]
        self.ip = nets[self.sandbox.network_name]["IPAddress"]

    # A CLI app kept with --keep: the image and data volume its replays name (close() is
    # not called under --keep, so both stay until `kata clean`).
    @property
    def kept_image(self) -> str:
        return self.image.tag if self.sandbox.keep and self.container is None else ""

    @property
    def kept_volume(self) -> str:
        kept = self.sandbox.keep and self.container is None and self.sandbox.data_dir
        return f"kata-{self.sandbox.run_id}-data" if kept else ""

    def running(self) -> bool:
        if self.container is None:
            return False
        try:
            self.container.reload()
        except docker.errors.NotFound:
            return False
        return self.container.status == "running"

    def exit_status(self) -> tuple[int | None, bool]:
        if self.container is None:
            return None, False
        self.container.reload()
        state = self.container.attrs["State"]
        if state.get("Running"):
            return None, False
        self.oom_seen = self.oom_seen or bool(state.get("OOMKilled"))
        return int(state.get("ExitCode", 0)), bool(state.get("OOMKilled"))

    def limits_hit(self) -> list[str]:
        """The limits the app ran into while it was graded, in words for the report."""
        if self.container is None:
            return []
        lim, notes = self.sandbox.limits, []
        try:
            self.exit_status()
            if self.watch is not None:
                self.watch.check()  # one last look
        except (docker.errors.APIError, OSError, ValueError):
            pass
        log_path = self.container.attrs.get("LogPath") or ""
        log_cut = bool(log_path) and os.path.exists(log_path + ".1")  # it has been cut
        if self.oom_seen:
            notes.append(f"the app was killed for using more than its {lim.memory_mb} MB of memory")
        refused = self.watch.pids_refused if self.watch is not None else 0
        if refused:
            notes.append(f"the app reached its limit of {lim.pids} processes and threads: "
                         f"{refused} more were refused")
        elif self._pids_now() >= lim.pids:
            notes.append(f"the app is at its limit of {lim.pids} processes and threads")
        if self.watch is not None and self.watch.tripped:
            notes.append(self.watch.disk_note)
        if log_cut:
            notes.append(f"the app wrote more than {LOG_FILE_BYTES // 2**20} MB to its log: "
                         "kata kept only the latest part")
        return notes

    def logs(self, tail_bytes: int = 4000) -> str:
        if self.container is None:
            return ""
        try:
            raw = self.container.logs(tail=200)
        except docker.errors.APIError:
            return ""
        return strip_ansi(raw[-tail_bytes:].decode("utf-8", "replace"))

    def listening(self) -> list[tuple[str, int]] | None:
        """TCP sockets in LISTEN state inside the app's network namespace, read from the
        host's view of the container's /proc (None when that cannot be read)."""
        if self.container is None:
            return None
        self.container.reload()
        pid = self.container.attrs["State"].get("Pid") or 0
        if not pid:
            return None
        found: list[tuple[str, int]] = []
        for name in ("tcp", "tcp6"):
            try:
                rows = Path(f"/proc/{pid}/net/{name}").read_text().splitlines()[1:]
            except OSError:
                return None
            for row in rows:
                cols = row.split()
                if len(cols) > 3 and cols[3] == "0A":  # LISTEN
                    addr = _decode_addr(cols[1])
                    if addr[0] != DOCKER_DNS:  # Docker's embedded resolver, not the app
                        found.append(addr)
        return found

    def _pids_now(self) -> int:
        """Processes and threads in the app now (Docker's stats; slow, so asked once)."""
        if self.container is None or (self.watch and self.watch._pids_events is not None):
            return 0
        if not self.container.attrs.get("State", {}).get("Running"):
            return 0
        try:
            stats = self.container.stats(stream=False, one_shot=True)
        except docker.errors.APIError:
            return 0
        return int((stats.get("pids_stats") or {}).get("current") or 0)

    def restart(self) -> None:
        assert self.container is not None
        if self.watch is not None and self.watch.tripped:  # its full layer would trip it again
            raise AppExited(self.watch.disk_note, "write large data to a service (a database), "
                            "not to the container's filesystem", self.logs())
        self.container.stop(timeout=5)
        self.container.start()
        self._refresh_ip()

    def run(self, args: list[str], stdin: str | None = None, timeout_s: float = 30,
            env: dict[str, str] | None = None, fresh: bool = False) -> Completed:
        merged = {**self.env, **(env or {})}
        args = [*self.command, *args]  # kata.toml's command comes before the run's args
        runner = None if fresh or stdin is not None else self._runner_up()
        if runner is None:
            return self.sandbox.run_once(self.image, args, stdin=stdin, timeout_s=timeout_s,
                                         env=merged)
        try:
            completed = self.sandbox.exec_once(runner, [*self._entrypoint(), *args], args,
                                               timeout_s=timeout_s, env=merged)
        except docker.errors.APIError:  # the runner is gone (e.g. stopped at the disk limit)
            self._drop_runner(runner)
            return self.sandbox.run_once(self.image, args, stdin=stdin, timeout_s=timeout_s,
                                         env=merged)
        if completed.timed_out:  # exec_once killed the runner; the next run starts another
            self._drop_runner(runner)
        return completed

    def _drop_runner(self, runner: Container) -> None:
        with self._runner_lock:
            if self.runner is runner:
                self.runner = None

    def _entrypoint(self) -> list[str]:
        """What `docker run IMAGE ARGS` would put before ARGS: the image's ENTRYPOINT."""
        if self._entry is None:
            config = self.sandbox.client.api.inspect_image(self.image.tag)["Config"] or {}
            self._entry = list(config.get("Entrypoint") or [])
        return self._entry

    def _runner_up(self) -> Container | None:
        """The container the runs of this grade share (started on first use), or None when
        the image cannot idle in one (no `sleep` in it): then every run is a fresh one."""
        with self._runner_lock:
            if self.runner is None and not self._no_runner:
                self.runner = self.sandbox.start_runner(self.image, self.env)
                self._no_runner = self.runner is None
            return self.runner


@dataclass
class DockerSandbox:
    limits: Limits
    run_id: str
    client: docker.DockerClient = field(default_factory=connect)
    data_dir: str | None = None  # where CLI runs keep their data (a shared volume)
    network_name: str = ""
    keep: bool = False  # --keep: leave it running; orphan reaping must not touch it
    _closed: bool = False
    _watches: list[_Watch] = field(default_factory=list)
    _unsettled: bool = False  # a create request was cut short; it may still land
    _root_images: dict[str, bool] = field(default_factory=dict)  # tag → starts as root

    def __post_init__(self) -> None:
        self.labels = {
            LABEL: "1",
            RUN_LABEL: self.run_id,
            PID_LABEL: "kept" if self.keep else f"{socket.gethostname()}:{os.getpid()}",
            STATE_LABEL: state_id(),
        }
        reap_orphans(self.client)

    # -- build -------------------------------------------------------------------------
    def build(
        self,
        context: Path,
        dockerfile: str,
        timeout_s: float,
        on_log: Callable[[str], None],
        cache_tag: str = "",
    ) -> Image:
        """Build with a deadline. The legacy builder cancels a build (and removes its
        container, with forcerm) when the client hangs up, so the deadline shuts the socket."""
        api = self.client.api
        exclude = _dockerignore(context)
        dockerfile_arg = docker.api.build.process_dockerfile(dockerfile, str(context))
        tarball = docker.utils.tar(str(context), exclude=exclude, dockerfile=dockerfile_arg)
        # Two tags: the run's own, which this grading uses and nothing else removes, and
        # the cache tag, which a concurrent grading of the same repo may move at any time.
        tag = run_image_tag(self.run_id)
        previous = _image_id(self.client, cache_tag) if cache_tag else None
        params = {
            "t": [tag, cache_tag] if cache_tag else tag,
            "dockerfile": dockerfile_arg,
            "rm": True,
            "forcerm": True,
            "pull": False,
            "memory": BUILD_MEMORY,
            "memswap": BUILD_MEMORY,
            "labels": json.dumps({CACHE_LABEL: "1"}),
            # RUN steps reach the internet (pip, apt, npm) but not the host: see below
            "networkmode": self._build_network(),
        }
        tail: deque[str] = deque(maxlen=LOG_TAIL_LINES)
        made = _MadeImages()
        error = ""
        response = api._post(api._url("/build"), data=tarball, params=params, stream=True,
                             headers={"Content-Type": "application/tar"}, timeout=None)
        if response.status_code >= 400:
            _refused_build(response)
        raw = api._get_raw_response_socket(response)
        sock = getattr(raw, "_sock", raw)
        expired = threading.Event()

        def hang_up() -> None:
            expired.set()
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

        timer = threading.Timer(timeout_s, hang_up)
        timer.daemon = True
        timer.start()
        try:
            for chunk in api._stream_helper(response, decode=True):
                text = strip_ansi(chunk.get("stream", "") or chunk.get("status", "") or "")
                for line in text.splitlines():
                    made.see(line)
                    if line.strip():
                        tail.append(line.rstrip())
                        on_log(line.rstrip())
                if "error" in chunk:
                    error = strip_ansi(chunk["error"]).strip()
                    tail.append(error)
        except Exception:
            if not expired.is_set():
                raise
        finally:
            timer.cancel()
            response.close()
            self._drop_build_network()
        log_tail = "\n".join(tail)
        if expired.is_set() or error:
            made.remove(self.client)
        if expired.is_set():
            raise BuildTimeout(
                f"the build did not finish within {timeout_s:.0f} s",
                "make the build faster: fewer, cached layers; no long-running RUN steps",
                log_tail,
            )
        if error:
            _raise_if_base_unavailable(error, log_tail, lambda: _local_tags(self.client))
            raise BuildFailed(f"docker build failed: {error}", "fix the failing build step",
                              log_tail)
        img = self.client.images.get(tag)
        if previous and previous != img.id:
            _drop_if_untagged(self.client, previous)
        if cache_tag:
            evict_cache(self.client, cache_tag.rsplit(":", 1)[0], keep=CACHE_KEEP)
        return Image(tag=tag, size_bytes=int(img.attrs.get("Size", 0)))

    def _build_network(self) -> str:
        """A network of this run for the build's RUN steps: a plain bridge (installs reach
        the internet) with the app network's host block, so a step cannot reach the host
        (its gateway address, docker0, the host's own addresses)."""
        name = f"kata-{self.run_id}-build"
        bridge = f"kb{self.run_id[:12]}"
        with self._making():
            self.client.networks.create(name, driver="bridge", labels=self.labels,
                                        options={"com.docker.network.bridge.name": bridge})
            _add_host_block(bridge)
        return name

    def _drop_build_network(self) -> None:
        """Once the build is over; if its container is still going (a build hung up on),
        close() removes the network with the run."""
        name = f"kata-{self.run_id}-build"
        try:
            self.client.networks.get(name).remove()
        except docker.errors.APIError:
            return  # close() removes it (by force) with the run
        _drop_host_block(f"kb{self.run_id[:12]}")

    # -- network and services ------------------------------------------------------------
    def ensure_network(self) -> str:
        if self.network_name:
            return self.network_name
        name = f"kata-{self.run_id}"
        bridge = f"kt{self.run_id[:12]}"
        with self._making():
            self.client.networks.create(
                name,
                driver="bridge",
                internal=True,  # no route out: the app reaches only what is on this network
                labels=self.labels,
                options={"com.docker.network.bridge.name": bridge},
            )
            self.network_name = name
            _add_host_block(bridge)
        return name

    def start_service(
        self, name: str, image: str, env: dict[str, str], aliases: list[str]
    ) -> DockerService:
        self.ensure_network()
        self._require_image(image)
        with self._making():
            container = self.client.containers.create(
                image,
                name=f"kata-{self.run_id}-{name}",
                hostname=name,
                environment=env,
                labels={**self.labels, "kata.role": f"service:{name}"},
                network=self.network_name,
                mem_limit="1g",
                memswap_limit="1g",
                init=True,
                detach=True,
            )
        # Aliases must be set on the network endpoint; create() takes only the network name.
        net = self.client.networks.get(self.network_name)
        net.disconnect(container)
        net.connect(container, aliases=[name, *aliases])
        container.start()
        container.reload()
        ip = container.attrs["NetworkSettings"]["Networks"][self.network_name]["IPAddress"]
        return DockerService(name=name, host=name, ip=ip, container=container)

    def _require_image(self, image: str) -> None:
        try:
            self.client.images.get(image)
        except docker.errors.ImageNotFound:
            raise ImageMissing(
                f"the image {image!r} is not on this machine",
                "run `kata images` to build the local images (or `docker pull` it)",
            ) from None

    # -- the learner's app ----------------------------------------------------------------
    def _app_options(self, image: Image) -> dict:
        lim = self.limits
        opts = dict(
            labels={**self.labels, "kata.role": "app"},
            network=self.network_name,
            mem_limit=f"{lim.memory_mb}m",
            memswap_limit=f"{lim.memory_mb}m",  # equal: no swap beyond the memory limit
            nano_cpus=int(lim.cpus * 1e9),
            pids_limit=lim.pids,
            init=True,  # signals reach the app, zombies are reaped, stop() does not hang
            cap_drop=["ALL"],
            # only an image that starts as root: one that names its user needs none of them
            cap_add=list(ROOT_DROP_CAPS) if self._starts_as_root(image) else [],
            security_opt=["no-new-privileges"],
            log_config={"type": "json-file",
                        "config": {"max-size": str(LOG_FILE_BYTES), "max-file": "2"}},
            ulimits=[
                docker.types.Ulimit(name="nofile", soft=4096, hard=4096),
                # no one file beyond the disk limit: it fails with EFBIG at once, no overshoot
                docker.types.Ulimit(name="fsize", soft=lim.disk_mb * 2**20,
                                    hard=lim.disk_mb * 2**20),
            ],
        )
        if self.data_dir:
            opts["volumes"] = {f"kata-{self.run_id}-data": {"bind": self.data_dir, "mode": "rw"}}
        return opts

    def _starts_as_root(self, image: Image) -> bool:
        """The image's configured user (its last USER) is root. A user named otherwise
        that /etc/passwd maps to uid 0 is not seen as root: it just gets no capability."""
        if image.tag not in self._root_images:  # asked once per image: CLI runs are many
            config = self.client.images.get(image.tag).attrs.get("Config") or {}
            user = (config.get("User") or "").split(":")[0].strip()
            self._root_images[image.tag] = user in ("", "root", "0")
        return self._root_images[image.tag]

    def start_app(
        self, image: Image, env: dict[str, str], port: int, serve: bool = True,
        command: list[str] | None = None,
    ) -> DockerApp:
        """``command`` replaces the image's CMD (kata.toml's ``command``); for a CLI app it
        is the program the graders' arguments are appended to."""
        self.ensure_network()
        if self.data_dir:
            with self._making():
                self.client.volumes.create(f"kata-{self.run_id}-data", labels=self.labels)
        app = DockerApp(sandbox=self, image=image, port=port, env=env, command=command or [])
        if not serve:
            return app
        with self._making():
            app.container = self.client.containers.create(
                image.tag,
                command=command or None,
                name=f"kata-{self.run_id}-app",
                hostname="app",
                environment=env,
                detach=True,
                **self._app_options(image),
            )
        app.container.start()
        app.watch = _Watch(self.client, app.container.id, self.limits)
        self._watches.append(app.watch)
        app._refresh_ip()
        if self.keep:
            publish(self, app)
        return app

    def run_once(
        self, image: Image, args: list[str], stdin: str | None, timeout_s: float,
        env: dict[str, str],
    ) -> Completed:
        """One run of the image as a command, in a fresh container, then removed."""
        with self._making():
            container = self.client.containers.create(
                image.tag,
                command=args,
                environment=env,
                stdin_open=stdin is not None,
                detach=True,
                **self._app_options(image),
            )
        watch = _Watch(self.client, container.id, self.limits)
        try:
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
            out = container.logs(stdout=True, stderr=False, tail=2000)
            err = container.logs(stdout=False, stderr=True, tail=2000)
            return Completed(
                args=args,
                code=code,
                stdout=strip_ansi(out.decode("utf-8", "replace")),
                stderr=strip_ansi(err.decode("utf-8", "replace")),
                timed_out=timed_out,
            )
        finally:
            watch.stop()
            container.remove(force=True)

    def start_runner(self, image: Image, env: dict[str, str]) -> Container | None:
        """A container of the image, with the app's limits, volume and env, that idles
        (`sleep infinity` instead of the entrypoint) so runs can exec in it. None when the
        image has no `sleep` (e.g. FROM scratch): its runs then each take a fresh container."""
        with self._making():
            container = self.client.containers.create(
                image.tag,
                entrypoint=["sleep", "infinity"],
                environment=env,
                detach=True,
                **self._app_options(image),
            )
        try:
            container.start()
            container.reload()
        except docker.errors.APIError:
            container.remove(force=True)
            return None
        if container.status != "running":
            container.remove(force=True)
            return None
        self._watches.append(_Watch(self.client, container.id, self.limits))
        return container

    def exec_once(self, container: Container, command: list[str], args: list[str],
                  timeout_s: float, env: dict[str, str]) -> Completed:
        """One run as an exec in ``container`` (its working dir and user, as `docker run`
        would use). Running over ``timeout_s`` kills the container: Docker cannot stop an
        exec alone, and a hung command must not outlive its run."""
        api = self.client.api
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
        out, err = _Tail(), _Tail()
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

    @contextmanager
    def _making(self) -> Iterator[None]:
        """Around a request that creates something: if it is cut short (Ctrl-C), Docker may
        still finish it after close() has looked, so close() looks again for a while."""
        self._unsettled = True
        yield
        self._unsettled = False

    def engine_version(self) -> str:
        try:
            return str(self.client.version().get("Version", ""))
        except docker.errors.DockerException:
            return ""

    def close(self) -> None:
        """Remove the run. A Ctrl-C or SIGTERM that arrives meanwhile waits until the run is
        gone (the signal is held, then delivered), so a second Ctrl-C cannot leave debris."""
        if self._closed:
            return
        self._closed = True
        for watch in self._watches:
            watch.stop()
        with _signals_held():
            remove_run(self.client, self.run_id)
            for _ in range(SETTLE_CHECKS if self._unsettled else 0):
                time.sleep(0.5)
                remove_run(self.client, self.run_id)


class _MadeImages:
    """The layers one legacy build committed, read from its log: a step's ` ---> <id>`
    when the step ran (not ` ---> Using cache`, and not FROM's base image). A failed build
    leaves them untagged and unlabelled (the label comes with the last step), where no
    `kata clean` can find them; kata removes them, newest first."""

    STEP = re.compile(r"^Step \d+/\d+ : (\S+)")
    LAYER = re.compile(r"^ ---> ([0-9a-f]{12,64})$")

    def __init__(self) -> None:
        self.ids: list[str] = []
        self._instruction = ""
        self._cached = False

    def see(self, line: str) -> None:
        if m := self.STEP.match(line):
            self._instruction, self._cached = m.group(1).upper(), False
        elif line.strip() == "---> Using cache":
            self._cached = True
        elif (m := self.LAYER.match(line.rstrip())) and self._instruction != "FROM" \
                and not self._cached and self._instruction:
            self.ids.append(m.group(1))

    def remove(self, client: docker.DockerClient) -> None:
        for image_id in reversed(self.ids):
            try:  # not forced, no pruning: only what this build made and nothing uses
                client.api.remove_image(image_id, noprune=True)
            except docker.errors.APIError:
                pass


@contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM until the block ends, then act on the first that came.
    (Handlers, not a signal mask: the kernel may hand a signal to any thread.)"""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    came: list[int] = []
    held = {sig: signal.signal(sig, lambda signum, frame: came.append(signum))
            for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in held.items():
            signal.signal(sig, handler)
        if came:
            signal.raise_signal(came[0])


FROM_STEP = re.compile(r"^Step \d+/\d+ : FROM\s+(?:--\S+\s+)*(\S+)", re.IGNORECASE)
REGISTRY_UNREACHABLE = re.compile(
    r"registry-1\.docker\.io|dial tcp|no such host|i/o timeout|connection refused", re.IGNORECASE)


def _local_tags(client: docker.DockerClient) -> list[str]:
    return [t for img in image_summaries(client) for t in img.get("RepoTags") or []]


def _raise_if_base_unavailable(
    error: str, log_tail: str, local_tags: Callable[[], list[str]] = list
) -> None:
    """A FROM whose image is not here and could not be pulled. With no registry in reach
    (machines like CI runners without one) that is this machine's gap, not the learner's:
    say so, with `kata images` where kata can build that image. A registry that answers
    "no such image" is left to the build failure (a typo in the FROM line)."""
    steps = [line for line in log_tail.splitlines() if line.startswith("Step ")]
    m = FROM_STEP.match(steps[-1]) if steps else None
    if m is None or not REGISTRY_UNREACHABLE.search(error):
        return
    image = m.group(1)
    from kata.localimages import (  # only on this path: it is a large module
        canonical_name,
        nearest_tag,
    )

    try:
        name = canonical_name(image if ":" in image else f"{image}:latest")
    except UnknownImage:
        if near := nearest_tag(image, local_tags()):  # e.g. a patch tag: its minor is here
            raise ImageMissing(
                f"the base image {image} is not on this machine and no registry is in reach "
                f"to pull it; {near} is here", f"build FROM {near} (the nearest image here), "
                f"or grade where a registry is in reach (`docker pull {image}`)") from None
        raise ImageMissing(
            f"the base image {image} is not on this machine and no registry is in reach "
            f"to pull it ({error.strip()[:120]})",
            f"pull it on a machine with registry access (`docker pull {image}`) or build "
            "from an image this machine has (`docker images`)") from None
    raise ImageMissing(
        f"the base image {image} is not on this machine and no registry is in reach to "
        "pull it", f"build it here with `kata images {name}`, then grade again") from None


def _refused_build(response) -> None:
    """The daemon refused the build before it started: a Dockerfile it cannot parse or
    find is the repository's problem; anything else is Docker's."""
    try:
        why = str(response.json().get("message", ""))
    except ValueError:
        why = response.text
    response.close()
    why = strip_ansi(why).strip() or f"HTTP {response.status_code}"
    if response.status_code < 500 or "dockerfile" in why.lower():
        raise BuildFailed(f"docker build failed: {why}",
                          "fix the Dockerfile (it must be a file in the repository, not a link "
                          "out of it); `docker build .` shows the same error", why)
    raise KataError(f"Docker refused the build: {why}", "check `docker info`, then retry")


def _decode_addr(field: str) -> tuple[str, int]:
    """/proc/net/tcp{,6} 'hex_ip:hex_port' → ('127.0.0.1', 8000)."""
    ip_hex, port_hex = field.split(":")
    port = int(port_hex, 16)
    raw = bytes.fromhex(ip_hex)
    if len(raw) == 4:
        return socket.inet_ntop(socket.AF_INET, raw[::-1]), port
    # IPv6 is stored as four little-endian 32-bit words
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
    addr = socket.inet_ntop(socket.AF_INET6, words)
    if addr.startswith("::ffff:"):
        addr = addr[7:]
    return addr, port


def _dockerignore(context: Path) -> list[str] | None:
    path = context / ".dockerignore"
    if not path.is_file():
        return None
    lines = [ln.strip() for ln in path.read_text(errors="replace").splitlines()]
    return [ln for ln in lines if ln and not ln.startswith("#")]
