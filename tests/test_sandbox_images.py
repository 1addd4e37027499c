"""The images a grading builds: each run runs from its own tag, so a concurrent grading of
the same repo that moves the shared cache tag cannot take the image from under it (the CI
failure of 77cae74: one grading's clean-up pruned the other's freshly built image)."""

from __future__ import annotations

import uuid
from pathlib import Path

import docker.errors
import pytest

from kata.catalog.models import Limits
from kata.errors import BuildFailed, ExitCode, ImageMissing
from kata.sandbox.build import _raise_if_base_unavailable
from kata.sandbox.docker import DockerSandbox, connect
from kata.sandbox.housekeeping import run_image_tag

CACHE_REPO = "kata-cache/sandbox-images-test"


def _repo(tmp_path: Path, name: str, text: str) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "Dockerfile").write_text(
        f"FROM python:3.12-slim\nRUN echo {text} > /marker\nCMD [\"cat\", \"/marker\"]\n")
    return folder


def _sandbox(client) -> DockerSandbox:
    return DockerSandbox(limits=Limits(), run_id=uuid.uuid4().hex[:12], client=client)


def _exists(client, name: str) -> bool:
    try:
        client.images.get(name)
        return True
    except docker.errors.ImageNotFound:
        return False


@pytest.mark.docker
def test_a_moved_cache_tag_leaves_the_earlier_run_its_image(tmp_path):
    client = connect()
    cache_tag = f"{CACHE_REPO}:{uuid.uuid4().hex[:8]}"
    first, second = _sandbox(client), _sandbox(client)
    try:
        a = first.build(_repo(tmp_path, "a", uuid.uuid4().hex), "Dockerfile", 120,
                        lambda _: None, cache_tag=cache_tag)
        b = second.build(_repo(tmp_path, "b", uuid.uuid4().hex), "Dockerfile", 120,
                         lambda _: None, cache_tag=cache_tag)
        assert a.tag == run_image_tag(first.run_id) and b.tag == run_image_tag(second.run_id)
        id_a, id_b = client.images.get(a.tag).id, client.images.get(b.tag).id
        assert id_a != id_b
        assert client.images.get(cache_tag).id == id_b  # the cache follows the newest build
        # the first run still starts from its own image, which the second build left alone
        done = first.run_once(a, [], None, 30, {})
        assert done.code == 0 and done.stdout.strip(), done
        first.close()
        # its tag gone, nothing names that image any more: it went with the tag
        assert not _exists(client, a.tag) and not _exists(client, id_a)
        assert client.images.get(cache_tag).id == id_b
        second.close()
        assert not _exists(client, b.tag) and _exists(client, cache_tag)  # the cache stays
    finally:
        first.close()
        second.close()
        for img in client.images.list(name=CACHE_REPO):
            client.images.remove(img.id, force=True)


@pytest.mark.docker
def test_a_rebuild_drops_the_cached_image_it_replaces(tmp_path):
    """Only that image, once no run names it; no blanket prune of dangling images."""
    client = connect()
    cache_tag = f"{CACHE_REPO}:{uuid.uuid4().hex[:8]}"
    repo = _repo(tmp_path, "r", uuid.uuid4().hex)
    try:
        run = _sandbox(client)
        old = client.images.get(run.build(repo, "Dockerfile", 120, lambda _: None,
                                          cache_tag=cache_tag).tag).id
        run.close()
        assert client.images.get(cache_tag).id == old
        # another first step, so the old image is not a parent of the new one
        repo = _repo(tmp_path, "r2", uuid.uuid4().hex)
        run = _sandbox(client)
        new = client.images.get(run.build(repo, "Dockerfile", 120, lambda _: None,
                                          cache_tag=cache_tag).tag).id
        run.close()
        assert new != old and client.images.get(cache_tag).id == new
        assert not _exists(client, old)
    finally:
        for img in client.images.list(name=CACHE_REPO):
            client.images.remove(img.id, force=True)


UNREACHABLE = ('Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io '
               "on 10.255.255.53:53: no such host")


@pytest.mark.parametrize(("log", "error", "raised", "phrase"), [
    # a base image kata can build: the fix names `kata images`
    ("Step 1/2 : FROM python:3.11", UNREACHABLE, ImageMissing, "kata images python:3.11"),
    ("Step 1/3 : FROM --platform=linux/amd64 debian:12", UNREACHABLE, ImageMissing,
     "kata images kata-base:bookworm"),
    # one it cannot: this machine's gap all the same, said so
    ("Step 1/2 : FROM node:18", UNREACHABLE, ImageMissing, "docker pull node:18"),
    # a registry that answered: a typo in the FROM line is the learner's to fix
    ("Step 1/2 : FROM pyhton:3.11",
     "pull access denied for pyhton, repository does not exist", None, ""),
    # a later step that failed to download something is the learner's build failing
    ("Step 1/3 : FROM python:3.12-slim\nStep 2/3 : RUN pip install x", UNREACHABLE, None, ""),
])
def test_a_base_image_nobody_can_pull_is_this_machines_gap(log, error, raised, phrase):
    if raised is None:
        _raise_if_base_unavailable(error, log)  # no exception: left to BuildFailed
        return
    with pytest.raises(raised) as e:
        _raise_if_base_unavailable(error, log)
    assert phrase in e.value.message + e.value.fix, (e.value.message, e.value.fix)


@pytest.mark.docker
def test_building_from_an_absent_image(tmp_path):
    """For real: with no registry in reach (as here) an exit-4 ImageMissing; where a
    registry answers, the learner's build failure."""
    folder = tmp_path / "absent"
    folder.mkdir()
    (folder / "Dockerfile").write_text("FROM kata-test-absent-image:1\nCMD [\"true\"]\n")
    sandbox = _sandbox(connect())
    try:
        with pytest.raises((ImageMissing, BuildFailed)) as e:
            sandbox.build(folder, "Dockerfile", 60, lambda _: None)
        if isinstance(e.value, ImageMissing):
            assert "kata-test-absent-image:1 is not on this machine" in e.value.message
            assert e.value.exit_code == ExitCode.ENVIRONMENT
        else:
            assert "kata-test-absent-image" in e.value.message
    finally:
        sandbox.close()
