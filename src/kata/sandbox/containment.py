"""The limits a container of the learner's image runs under, and the watch kept on it.

The app (and every CLI run) runs with CPU, memory (swap included) and pids limits, an init
process, every capability dropped, no-new-privileges, no Docker socket, a capped log; an
image that starts as root gets back only what dropping to its own user takes
(``ROOT_DROP_CAPS``). What it writes is bounded too: overlay2 on ext4 has no per-container
quota, so a file may not outgrow ``limits.disk_mb`` (RLIMIT_FSIZE) and a ``Watch`` stops
the app once its writable layer does (four times a second: the overshoot is what it
writes meanwhile).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import docker
import docker.errors
import docker.types

from kata.catalog.models import Limits

LOG_FILE_BYTES = 5 * 2**20  # the app's json-file log: two files of this, then it is cut
WATCH_EVERY_S = 0.25
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


def contained(limits: Limits, labels: dict[str, str], network: str, root: bool,
              volume: tuple[str, str] | None = None, init: bool = True) -> dict[str, Any]:
    """The create options of a container of the learner's image: its labels, network and
    limits; ``root`` when the image starts as root; ``volume`` (name, mount point);
    ``init`` kata's init as PID 1 (off only where the image's own PID 1 is graded)."""
    opts: dict[str, Any] = dict(
        labels=labels,
        network=network,
        mem_limit=f"{limits.memory_mb}m",
        memswap_limit=f"{limits.memory_mb}m",  # equal: no swap beyond the memory limit
        nano_cpus=int(limits.cpus * 1e9),
        pids_limit=limits.pids,
        init=init,  # signals reach the app, zombies are reaped, stop() does not hang
        cap_drop=["ALL"],
        # only an image that starts as root: one that names its user needs none of them
        cap_add=list(ROOT_DROP_CAPS) if root else [],
        security_opt=["no-new-privileges"],
        log_config={"type": "json-file",
                    "config": {"max-size": str(LOG_FILE_BYTES), "max-file": "2"}},
        ulimits=[
            docker.types.Ulimit(name="nofile", soft=4096, hard=4096),
            # no one file beyond the disk limit: it fails with EFBIG at once, no overshoot
            docker.types.Ulimit(name="fsize", soft=limits.disk_mb * 2**20,
                                hard=limits.disk_mb * 2**20),
        ],
    )
    if volume:
        name, mount = volume
        opts["volumes"] = {name: {"bind": mount, "mode": "rw"}}
    return opts


def starts_as_root(client: docker.DockerClient, tag: str) -> bool:
    """The image's configured user (its last USER) is root. A user named otherwise
    that /etc/passwd maps to uid 0 is not seen as root: it just gets no capability."""
    config = client.images.get(tag).attrs.get("Config") or {}
    user = (config.get("User") or "").split(":")[0].strip()
    return user in ("", "root", "0")


class Watch:
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
        # Docker has cut the app's json-file log (its previous file, ``.1``, exists), seen at
        # any look: an app still flooding rotates it many times a second, and one look can
        # fall between the old file's removal and the rename that replaces it
        self.log_cut = False
        self._pid = 0
        self.pids_events: Path | None = None  # where the cgroup counts them, once found
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
        log_path = info.get("LogPath") or ""
        self.log_cut = self.log_cut or bool(log_path) and os.path.exists(log_path + ".1")
        if self.disk_used > self.limits.disk_mb * 2**20 and not self.tripped:
            self.tripped = True
            api.kill(self.cid)
            return
        pid = int(info["State"].get("Pid") or 0)
        if pid != self._pid:
            self._pid, self.pids_events = pid, _cgroup_file(pid, "pids", "pids.events")
        if self.pids_events is not None:
            for line in self.pids_events.read_text().splitlines():
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
