"""The learner's image, built with a deadline on a network of the run's own.

The legacy builder cancels a build (and removes its container, with forcerm) when the
client hangs up, so the deadline shuts the socket. RUN steps run on a bridge network of
the run (``kata-<run>-build``) with the app network's host block: package installs reach
the internet, no step reaches the host. A failed build's own layers (read from its log)
are removed: untagged and unlabelled, nothing else would find them. A build is tagged
twice: ``kata-app:<run>``, which only this grading uses, and the cache tag, which a
concurrent grading of the same repo may move at any moment; the cache keeps a few images
per exercise (``CACHE_KEEP``).

Not bounded here: the time to pack and send a huge build context (before the deadline
starts), and which local images a Dockerfile may build FROM (any on the machine, other
learners' cached images included).
"""

from __future__ import annotations

import json
import re
import socket
import threading
from collections import deque
from collections.abc import Callable
from pathlib import Path

import docker
import docker.api.build
import docker.errors
import docker.utils

from kata.errors import BuildFailed, BuildTimeout, ImageMissing, KataError, UnknownImage
from kata.sandbox import hostblock
from kata.sandbox.base import Image
from kata.sandbox.housekeeping import (
    CACHE_LABEL,
    RunScope,
    evict_cache,
    image_summaries,
    run_image_tag,
)
from kata.sandbox.logtail import strip_ansi

LOG_TAIL_LINES = 60
BUILD_MEMORY = 2 * 1024**3
CACHE_KEEP = 12  # cached learner images kept per exercise: a cohort's worth of warm grades
FROM_STEP = re.compile(r"^Step \d+/\d+ : FROM\s+(?:--\S+\s+)*(\S+)", re.IGNORECASE)
REGISTRY_UNREACHABLE = re.compile(
    r"registry-1\.docker\.io|dial tcp|no such host|i/o timeout|connection refused", re.IGNORECASE)


def build_image(scope: RunScope, context: Path, dockerfile: str, timeout_s: float,
                on_log: Callable[[str], None], cache_tag: str = "", name: str = "") -> Image:
    """Build ``context`` as the run's image within ``timeout_s``, each log line to ``on_log``;
    ``name`` builds one apart from the run's image (a grader's rebuild), removed with it."""
    client = scope.client
    api = client.api
    exclude = _dockerignore(context)
    dockerfile_arg = docker.api.build.process_dockerfile(dockerfile, str(context))
    tarball = docker.utils.tar(str(context), exclude=exclude, dockerfile=dockerfile_arg)
    # Two tags: the run's own, which this grading uses and nothing else removes, and
    # the cache tag, which a concurrent grading of the same repo may move at any time.
    tag = run_image_tag(scope.run_id) + (f"-{name}" if name else "")
    previous = _image_id(client, cache_tag) if cache_tag else None
    params = {
        "t": [tag, cache_tag] if cache_tag else tag,
        "dockerfile": dockerfile_arg,
        "rm": True,
        "forcerm": True,
        "pull": False,
        "memory": BUILD_MEMORY,
        "memswap": BUILD_MEMORY,
        "labels": json.dumps({CACHE_LABEL: "1"}),
        # RUN steps reach the internet (pip, apt, npm) but not the host
        "networkmode": _make_build_network(scope),
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
        _drop_build_network(scope)
    log_tail = "\n".join(tail)
    if expired.is_set() or error:
        made.remove(client)
    if expired.is_set():
        raise BuildTimeout(
            f"the build did not finish within {timeout_s:.0f} s",
            "make the build faster: fewer, cached layers; no long-running RUN steps",
            log_tail,
        )
    if error:
        _raise_if_base_unavailable(error, log_tail, lambda: _local_tags(client))
        raise BuildFailed(f"docker build failed: {error}", "fix the failing build step",
                          log_tail)
    img = client.images.get(tag)
    if previous and previous != img.id:
        _drop_if_untagged(client, previous)
    if cache_tag:
        evict_cache(client, cache_tag.rsplit(":", 1)[0], keep=CACHE_KEEP)
    return Image(tag=tag, size_bytes=int(img.attrs.get("Size", 0)))


def _make_build_network(scope: RunScope) -> str:
    """A network of this run for the build's RUN steps: a plain bridge (installs reach
    the internet) with the app network's host block, so a step cannot reach the host
    (its gateway address, docker0, the host's own addresses)."""
    name = f"kata-{scope.run_id}-build"
    bridge = hostblock.build_bridge(scope.run_id)
    with scope.making():
        scope.client.networks.create(name, driver="bridge", labels=scope.labels,
                                     options={"com.docker.network.bridge.name": bridge})
        hostblock.add_host_block(bridge)
    return name


def _drop_build_network(scope: RunScope) -> None:
    """Once the build is over; if its container is still going (a build hung up on),
    the run's removal removes the network (by force) with the run."""
    name = f"kata-{scope.run_id}-build"
    try:
        scope.client.networks.get(name).remove()
    except docker.errors.APIError:
        return  # removed (by force) with the run
    hostblock.drop_host_block(hostblock.build_bridge(scope.run_id))


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


def _dockerignore(context: Path) -> list[str] | None:
    path = context / ".dockerignore"
    if not path.is_file():
        return None
    lines = [ln.strip() for ln in path.read_text(errors="replace").splitlines()]
    return [ln for ln in lines if ln and not ln.startswith("#")]
