"""What an image says (its configuration) and holds (the bytes of its saved form), for
graders of the image itself: its user, CMD form and HEALTHCHECK, and whether a secret
planted in the build context reached any layer or history entry."""

from __future__ import annotations

import io
import tarfile
import time
from collections.abc import Iterator

import docker

from kata.sandbox.base import ImageFacts

SCAN_MAX_BYTES = 4 * 2**30  # a saved image kata reads at most: no grade needs a larger one
SCAN_MAX_S = 120.0
_CHUNK = 2**20


def image_facts(client: docker.DockerClient, tag: str) -> ImageFacts:
    attrs = client.api.inspect_image(tag)
    config = attrs.get("Config") or {}
    history = client.api.history(tag)  # newest first
    env = dict(e.split("=", 1) if "=" in e else (e, "") for e in config.get("Env") or [])
    health = (config.get("Healthcheck") or {}).get("Test")
    return ImageFacts(
        tag=tag,
        size_bytes=int(attrs.get("Size", 0)),
        user=config.get("User") or "",
        entrypoint=config.get("Entrypoint"),
        cmd=config.get("Cmd"),
        healthcheck=None if not health or health == ["NONE"] else list(health),
        env=env,
        history=[h.get("CreatedBy", "") for h in reversed(history)],
    )


class _Stream(io.RawIOBase):
    """docker save's chunks as a file tarfile can read in stream mode, bounded in bytes
    and time (an image is the learner's: it may be huge)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._rest = b""
        self.read_so_far = 0
        self._until = time.monotonic() + SCAN_MAX_S

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._rest:
            if self.read_so_far > SCAN_MAX_BYTES or time.monotonic() > self._until:
                raise TimeoutError(f"the saved image is larger than {SCAN_MAX_BYTES} bytes "
                                   f"or took over {SCAN_MAX_S:.0f} s to read")
            try:
                self._rest = next(self._chunks)
            except StopIteration:
                return 0
            self.read_so_far += len(self._rest)
        n = min(len(buffer), len(self._rest))
        buffer[:n] = self._rest[:n]
        self._rest = self._rest[n:]
        return n


def image_contains(client: docker.DockerClient, tag: str, needle: bytes) -> list[str]:
    """The names of the saved image's entries whose bytes contain ``needle`` (layers are
    plain tars in a save, so a planted file's text is found as is)."""
    if not needle:
        raise ValueError("an empty needle is in everything")
    found: list[str] = []
    stream = io.BufferedReader(_Stream(iter(client.api.get_image(tag, chunk_size=_CHUNK))),
                               buffer_size=_CHUNK)
    with tarfile.open(fileobj=stream, mode="r|") as saved:
        for member in saved:
            if not member.isfile():
                continue
            data = saved.extractfile(member)
            if data is None:
                continue
            tail = b""  # the last bytes of the previous chunk: a needle may straddle two
            while chunk := data.read(_CHUNK):
                if needle in tail + chunk:
                    found.append(member.name)
                    break
                tail = chunk[-(len(needle) - 1):] if len(needle) > 1 else b""
    return found
