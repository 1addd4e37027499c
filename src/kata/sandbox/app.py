"""The learner's app in its container, as the engine and the graders see it (``AppHandle``):
its state, its logs, the limits it ran into, its listening sockets, its restarts, and its
runs as a command (CLI exercises)."""

from __future__ import annotations

import os
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import docker.errors
from docker.models.containers import Container

from kata.errors import AppExited
from kata.sandbox.base import Address, Completed, Image, ImageFacts, Stopped
from kata.sandbox.containment import LOG_FILE_BYTES, Watch
from kata.sandbox.images import image_contains, image_facts
from kata.sandbox.logtail import strip_ansi
from kata.sandbox.runs import exec_in

if TYPE_CHECKING:
    from kata.sandbox.docker import DockerSandbox

DOCKER_DNS = "127.0.0.11"


@dataclass
class DockerApp:
    sandbox: DockerSandbox
    image: Image
    port: int
    env: dict[str, str]
    command: list[str] = field(default_factory=list)  # kata.toml's, before a CLI run's args
    container: Container | None = None
    # Where kata reaches it: Docker on this host answers the container's address on the
    # run's network (routable from here); it may change when the app restarts.
    address: Address = Address("", 0)
    published: str = ""  # "127.0.0.1:PORT": where a kept app answers (kata.sandbox.kept)
    watch: Watch | None = None
    oom_seen: bool = False  # Docker forgets an OOM kill when the container starts again
    # CLI exercises: one long-lived container where runs exec (a container start costs
    # ~0.3 s, an exec ~0.05 s); runs that must not share it ask for a fresh one
    runner: Container | None = None
    _runner_lock: threading.Lock = field(default_factory=threading.Lock)
    _no_runner: bool = False
    _entry: list[str] | None = None

    def refresh_address(self) -> None:
        assert self.container is not None
        self.container.reload()
        nets = self.container.attrs["NetworkSettings"]["Networks"]
        self.address = Address(nets[self.sandbox.network_name]["IPAddress"], self.port)

    # A CLI app kept with --keep: the image and data volume its replays name (close() is
    # not called under --keep, so both stay until `kata clean`).
    @property
    def kept_image(self) -> str:
        return self.image.tag if self.sandbox.keep and self.container is None else ""

    @property
    def kept_volume(self) -> str:
        kept = self.sandbox.keep and self.container is None and self.sandbox.data_dir
        return self.sandbox.data_volume if kept else ""

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
        log_cut = ((self.watch is not None and self.watch.log_cut)  # seen while graded
                   or bool(log_path) and os.path.exists(log_path + ".1"))
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

    def logs(self, tail_bytes: int = 4000, tail_lines: int = 200) -> str:
        if self.container is None:
            return ""
        try:
            raw = self.container.logs(tail=tail_lines)
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
        if self.container is None or (self.watch and self.watch.pids_events is not None):
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
        self.refresh_address()

    def stop(self, timeout_s: float = 10) -> Stopped:
        assert self.container is not None
        began = time.monotonic()
        self.container.stop(timeout=max(1, round(timeout_s)))  # SIGTERM (or STOPSIGNAL)
        seconds = time.monotonic() - began
        state = self.sandbox.client.api.inspect_container(self.container.id)["State"]
        if state.get("Running"):  # not even the kill took: say so, as not exited
            return Stopped(None, seconds, True)
        code = int(state.get("ExitCode", 0))
        # Docker kills after the grace period: 137 (SIGKILL) with the time all spent
        return Stopped(code, seconds, code == 137 and seconds >= timeout_s - 0.5)

    def health(self) -> str | None:
        assert self.container is not None
        state = self.sandbox.client.api.inspect_container(self.container.id)["State"]
        return (state.get("Health") or {}).get("Status")

    def image_facts(self, tag: str | None = None) -> ImageFacts:
        return image_facts(self.sandbox.client, tag or self.image.tag)

    def image_contains(self, tag: str, needle: bytes) -> list[str]:
        return image_contains(self.sandbox.client, tag, needle)

    def run(self, args: list[str], stdin: str | None = None, timeout_s: float = 30,
            env: dict[str, str] | None = None, fresh: bool = False,
            entrypoint: list[str] | None = None) -> Completed:
        merged = {**self.env, **(env or {})}
        if entrypoint is None:
            args = [*self.command, *args]  # kata.toml's command comes before the run's args
        runner = None if fresh or stdin is not None else self._runner_up()
        if runner is None:
            return self.sandbox.run_once(self.image, args, stdin=stdin, timeout_s=timeout_s,
                                         env=merged, entrypoint=entrypoint)
        command = [*(self._entrypoint() if entrypoint is None else entrypoint), *args]
        try:
            completed = exec_in(self.sandbox.client, runner, command, args,
                                timeout_s=timeout_s, env=merged)
        except docker.errors.APIError:  # the runner is gone (e.g. stopped at the disk limit)
            self._drop_runner(runner)
            return self.sandbox.run_once(self.image, args, stdin=stdin, timeout_s=timeout_s,
                                         env=merged, entrypoint=entrypoint)
        if completed.timed_out:  # exec_in killed the runner; the next run starts another
            self._drop_runner(runner)
        return completed

    def start_again(self, port: int, env: dict[str, str], entrypoint: list[str] | None = None,
                    command: list[str] | None = None, user: str | None = None,
                    read_only: bool = False, tmpfs: list[str] | None = None) -> DockerApp:
        return self.sandbox.start_again(self.image, port, env, entrypoint=entrypoint,
                                        command=command, user=user, read_only=read_only,
                                        tmpfs=tmpfs)

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
