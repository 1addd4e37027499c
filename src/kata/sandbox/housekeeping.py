"""What kata leaves in Docker, and how it goes again.

Everything a run makes carries the labels ``kata`` and ``kata.run=<id>``; ``kata.pid``
names the kata process that made it (``kept`` under --keep) and ``kata.state`` its state
directory, so ``kata clean`` removes only its own. ``RunScope.remove()`` removes a run on
success, error and Ctrl-C; ``reap_orphans`` removes the runs of kata processes that died;
learner images are kept only as the labelled build cache (``kata.cache``), a few per
exercise (``evict_cache``).
"""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field

import docker
import docker.errors

from kata.sandbox.hostblock import drop_host_block, drop_orphan_host_blocks

LABEL = "kata"
RUN_LABEL = "kata.run"
PID_LABEL = "kata.pid"
CACHE_LABEL = "kata.cache"
STATE_LABEL = "kata.state"  # which state directory's kata made it: `kata clean` keeps to its own
RUN_IMAGE_REPO = "kata-app"  # kata-app:<run id>, the tag one grading runs its app from
_counting = threading.Lock()  # RunScope.making from two threads (services beside the build)
SETTLE_CHECKS = 6  # after an interrupted create, look for what landed for three seconds


@dataclass
class RunScope:
    """Everything one run makes in Docker: labelled ``labels``, removed by ``remove()``."""

    client: docker.DockerClient
    run_id: str
    keep: bool = False  # --keep: orphan reaping must not touch it
    labels: dict[str, str] = field(init=False)
    making_now: int = 0  # create requests in flight (the services start beside the build)
    unsettled: bool = False  # a create request was cut short; it may still land

    def __post_init__(self) -> None:
        self.labels = {
            LABEL: "1",
            RUN_LABEL: self.run_id,
            PID_LABEL: "kept" if self.keep else f"{socket.gethostname()}:{os.getpid()}",
            STATE_LABEL: state_id(),
        }

    @contextmanager
    def making(self) -> Iterator[None]:
        """Around a request that creates something: if it is cut short (Ctrl-C), Docker may
        still finish it after remove() has looked, so remove() looks again for a while."""
        with _counting:
            self.making_now += 1
            self.unsettled = True
        try:
            yield
        except BaseException:
            with _counting:
                self.making_now -= 1  # cut short: it may still land, so stay unsettled
            raise
        with _counting:
            self.making_now -= 1
            self.unsettled = self.making_now > 0  # another thread's request still in flight

    def remove(self) -> None:
        """Remove the run. A Ctrl-C or SIGTERM that arrives meanwhile waits until the run is
        gone (the signal is held, then delivered), so a second Ctrl-C cannot leave debris."""
        with _signals_held():
            remove_run(self.client, self.run_id)
            for _ in range(SETTLE_CHECKS if self.unsettled else 0):
                time.sleep(0.5)
                remove_run(self.client, self.run_id)


class Removals:
    """Runs removed on a thread of their own, for a process that grades several in a row
    (a verification process): removing one (its containers, network, volumes) takes one to
    two seconds that the next grade need not wait for. One at a time, in order. ``drain``
    waits until all are gone, a Ctrl-C held meanwhile: call it before the process ends, so
    it leaves nothing behind. A removal's error is raised there."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="kata-removal")
        self._pending: list[Future[None]] = []

    def submit(self, scope: RunScope) -> None:
        self._pending.append(self._pool.submit(scope.remove))

    def drain(self) -> None:
        with _signals_held():
            self._pool.shutdown(wait=True)
        for done in self._pending:
            done.result()


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


def pid_alive(pid: int) -> bool:
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
        if run and owner_host == host and pid_s.isdigit() and not pid_alive(int(pid_s)):
            dead.add(run)
        elif run and include_kept and pid == "kept":
            dead.add(run)
    for run in dead:
        remove_run(client, run)
    # A rule outlives its network only when a kata was stopped between the two removals;
    # it matches no traffic, but it is kata's debris on the host and nothing labels it.
    drop_orphan_host_blocks(client, None)
    return sorted(dead)


def evict_cache(client: docker.DockerClient, repository: str, keep: int) -> int:
    """Keep the newest ``keep`` cached images of one exercise, so the cache (one image per
    graded folder) does not grow without bound across cohorts and test runs."""
    images = sorted(image_summaries(client, name=repository, filters={"label": CACHE_LABEL}),
                    key=lambda i: i.get("Created") or 0, reverse=True)
    removed = 0
    for img in images[keep:]:
        for tag in tags(img):
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
        drop_host_block(n.attrs.get("Options", {}).get("com.docker.network.bridge.name", ""))
    drop_orphan_host_blocks(client, run_id)
    for v in client.volumes.list(filters={"label": label}):
        try:
            v.remove(force=True)
        except docker.errors.NotFound:
            pass
        except docker.errors.APIError:  # in use (409) by a container of the run that a
            # request cut short by Ctrl-C created after the containers were listed above
            for c in client.containers.list(all=True, sparse=True,
                                            filters={"label": label, "volume": v.name}):
                try:
                    c.remove(force=True, v=True)
                except docker.errors.NotFound:
                    pass
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
        for t in tags(img):
            if run_id is None or t == run_image_tag(run_id) \
                    or t.startswith(run_image_tag(run_id) + "-"):  # its rebuilds
                try:
                    client.images.remove(t, force=True)
                except docker.errors.APIError:
                    pass


def image_summaries(client: docker.DockerClient, **query) -> list[dict]:
    """The images as one listing (Id, RepoTags, Created). Not ``client.images.list``: it
    inspects each image after listing, which fails when a concurrent grading removes one
    in between (a CI run failed on it)."""
    return client.api.images(**query)


def tags(summary: dict) -> list[str]:
    return [t for t in summary.get("RepoTags") or [] if t != "<none>:<none>"]


def run_image_tag(run_id: str) -> str:
    return f"{RUN_IMAGE_REPO}:{run_id}"


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
