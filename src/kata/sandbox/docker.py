"""The Docker sandbox: where untrusted learner code is built and run. ``DockerSandbox``
composes the parts, each in a module of its own:

* ``build`` — the learner's image, with a deadline, on a network of the run's own;
* ``containment`` — the limits and capabilities of a container of the learner's image,
  and the ``Watch`` that stops it at its disk limit;
* ``hostblock`` — the iptables rule that keeps each of a run's bridges off the host;
* ``app`` / ``services`` / ``runs`` — the app's handle, its services, its runs as a command;
* ``housekeeping`` — the labels on everything a run makes, its removal on close (Ctrl-C
  held meanwhile), the reaping of dead runs, the build cache;
* ``kept`` — a run kept with --keep, published on loopback through a relay.

Not bounded here: the time to pack and send a huge build context (before the deadline
starts), a data volume's size (outside the writable layer), and which local images a
Dockerfile may build FROM (any on the machine, other learners' cached images included).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import docker
import docker.errors
from docker.models.containers import Container

from kata.catalog.models import Limits
from kata.errors import DockerUnavailable, ImageMissing
from kata.sandbox import hostblock
from kata.sandbox.app import DockerApp
from kata.sandbox.base import Completed, Image, Unit
from kata.sandbox.build import build_image
from kata.sandbox.compose import start_unit
from kata.sandbox.containment import Watch, contained, starts_as_root
from kata.sandbox.housekeeping import Removals, RunScope, reap_orphans
from kata.sandbox.kept import publish
from kata.sandbox.runs import idles, run_in
from kata.sandbox.services import DockerService, start_service


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


AGAIN_TMPFS_MB = 64  # each writable mount point of a container start_again makes


@dataclass
class DockerSandbox:
    limits: Limits
    run_id: str
    client: docker.DockerClient = field(default_factory=connect)
    data_dir: str | None = None  # where CLI runs keep their data (a shared volume)
    network_name: str = ""
    keep: bool = False  # --keep: leave it running; orphan reaping must not touch it
    removals: Removals | None = None  # close() hands the removal to them, not waiting
    _closed: bool = False
    _watches: list[Watch] = field(default_factory=list)
    _root_images: dict[str, bool] = field(default_factory=dict)  # tag → starts as root
    _again: int = 0  # containers started by start_again, for their names

    def __post_init__(self) -> None:
        self.scope = RunScope(self.client, self.run_id, keep=self.keep)
        reap_orphans(self.client)

    @property
    def data_volume(self) -> str:
        return f"kata-{self.run_id}-data"

    def build(self, context: Path, dockerfile: str, timeout_s: float,
              on_log: Callable[[str], None], cache_tag: str = "", name: str = "") -> Image:
        return build_image(self.scope, context, dockerfile, timeout_s, on_log, cache_tag,
                           name=name)

    def ensure_network(self) -> str:
        """The run's private ``internal`` network (no route out: the app reaches only what
        is on it), blocked from the host too."""
        if self.network_name:
            return self.network_name
        name, bridge = f"kata-{self.run_id}", hostblock.app_bridge(self.run_id)
        with self.scope.making():
            self.client.networks.create(name, driver="bridge", internal=True,
                                        labels=self.scope.labels,
                                        options={"com.docker.network.bridge.name": bridge})
            self.network_name = name
            hostblock.add_host_block(bridge)
        return name

    def start_service(
        self, name: str, image: str, env: dict[str, str], aliases: list[str],
        command: list[str] | None = None, files: dict[str, Path] | None = None,
    ) -> DockerService:
        self.ensure_network()
        self.require_image(image)
        return start_service(self.scope, self.network_name, name, image, env, aliases,
                             command=command, files=files)

    def require_image(self, image: str) -> None:
        try:
            self.client.images.get(image)
        except docker.errors.ImageNotFound:
            raise ImageMissing(
                f"the image {image!r} is not on this machine",
                "run `kata images` to build the local images (or `docker pull` it)",
            ) from None

    # -- containers of the learner's image ------------------------------------------------
    def _contained(self, image: Image, init: bool = True) -> dict[str, Any]:
        if image.tag not in self._root_images:  # asked once per image: CLI runs are many
            self._root_images[image.tag] = starts_as_root(self.client, image.tag)
        volume = (self.data_volume, self.data_dir) if self.data_dir else None
        return contained(self.limits, {**self.scope.labels, "kata.role": "app"},
                         self.network_name, self._root_images[image.tag], volume, init=init)

    def _watch(self, container: Container) -> Watch:
        watch = Watch(self.client, container.id, self.limits)
        self._watches.append(watch)
        return watch

    def start_app(
        self, image: Image, env: dict[str, str], port: int, serve: bool = True,
        command: list[str] | None = None, init: bool = True,
    ) -> DockerApp:
        """``command`` replaces the image's CMD (kata.toml's ``command``); for a CLI app it
        is the program the graders' arguments are appended to. ``init=False`` runs the
        image's own entrypoint as PID 1 (an exercise that grades its signal handling)."""
        self.ensure_network()
        if self.data_dir:
            with self.scope.making():
                self.client.volumes.create(self.data_volume, labels=self.scope.labels)
        app = DockerApp(sandbox=self, image=image, port=port, env=env, command=command or [])
        if not serve:
            return app
        with self.scope.making():
            app.container = self.client.containers.create(
                image.tag, command=command or None, name=f"kata-{self.run_id}-app",
                hostname="app", environment=env, detach=True,
                **self._contained(image, init))
        app.container.start()
        app.watch = self._watch(app.container)
        app.refresh_address()
        if self.keep:
            publish(self, app)
        return app

    def start_again(self, image: Image, port: int, env: dict[str, str],
                    entrypoint: list[str] | None = None, command: list[str] | None = None,
                    user: str | None = None, read_only: bool = False,
                    tmpfs: list[str] | None = None) -> DockerApp:
        """Another server container of the app's image, started as another runtime would
        (``AppHandle.start_again``): the app's limits, network and labels, removed with the
        run; a ``user`` other than root needs none of the capabilities a root image gets."""
        self.ensure_network()
        opts = self._contained(image)
        if user is not None and user.split(":")[0].strip() not in ("", "0", "root"):
            opts["cap_add"] = []
        if user is not None:
            opts["user"] = user
        if read_only:
            opts["read_only"] = True
        if tmpfs:  # in memory: capped, and counted against the app's memory limit too
            opts["tmpfs"] = {path: f"size={AGAIN_TMPFS_MB}m" for path in tmpfs}
        self._again += 1
        again = DockerApp(sandbox=self, image=image, port=port, env=env)
        with self.scope.making():
            again.container = self.client.containers.create(
                image.tag, entrypoint=entrypoint, command=command,
                name=f"kata-{self.run_id}-again-{self._again}", hostname="app",
                environment=env, detach=True, **opts)
        again.container.start()
        again.watch = self._watch(again.container)
        again.refresh_address()
        return again

    def start_unit(self, root: Path, gateway: str, port: int, timeout_s: float,
                   on_log: Callable[[str], None], cache_tag: str = "") -> Unit:
        """The learner's compose file as a unit of containers (``compose``), each contained
        as the app is, on the run's network; the gateway is the app."""
        return start_unit(self, root, gateway, port, timeout_s, on_log, cache_tag)

    def run_once(self, image: Image, args: list[str], stdin: str | None, timeout_s: float,
                 env: dict[str, str], entrypoint: list[str] | None = None) -> Completed:
        """One run of the image as a command, in a fresh container, then removed;
        ``entrypoint`` replaces the image's (`docker run --entrypoint`)."""
        with self.scope.making():
            container = self.client.containers.create(
                image.tag, command=args, entrypoint=entrypoint, environment=env,
                stdin_open=stdin is not None, detach=True, **self._contained(image))
        watch = Watch(self.client, container.id, self.limits)
        try:
            return run_in(container, args, stdin, timeout_s)
        finally:
            watch.stop()
            container.remove(force=True)

    def start_runner(self, image: Image, env: dict[str, str]) -> Container | None:
        """A container of the image, with the app's limits, volume and env, that idles
        (`sleep infinity` instead of the entrypoint) so runs can exec in it. None when the
        image has no `sleep` (e.g. FROM scratch): its runs then each take a fresh container."""
        with self.scope.making():
            container = self.client.containers.create(
                image.tag, entrypoint=["sleep", "infinity"], environment=env, detach=True,
                **self._contained(image))
        if not idles(container):
            return None
        self._watch(container)
        return container

    def engine_version(self) -> str:
        try:
            return str(self.client.version().get("Version", ""))
        except docker.errors.DockerException:
            return ""

    def close(self) -> None:
        """Remove the run (``RunScope.remove``: Ctrl-C and SIGTERM wait until it is gone),
        or hand it to ``removals`` to remove while the next grade starts. Safe to call
        twice."""
        if self._closed:
            return
        self._closed = True
        for watch in self._watches:
            watch.stop()
        if self.removals is not None:
            self.removals.submit(self.scope)
        else:
            self.scope.remove()
