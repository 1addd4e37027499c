"""The learner-image cache stays bounded: one exercise keeps only its newest images."""

import io
import time

import docker
import pytest

from kata.sandbox.housekeeping import CACHE_LABEL, evict_cache

REPO = "kata-cache/eviction-test"


@pytest.mark.docker
def test_only_the_newest_cached_images_stay():
    client = docker.from_env()
    try:
        for i in range(4):
            dockerfile = f"FROM debian:bookworm-slim\nLABEL {CACHE_LABEL}=1 n={i}\n"
            client.images.build(fileobj=io.BytesIO(dockerfile.encode()), tag=f"{REPO}:v{i}",
                                rm=True, forcerm=True)
            time.sleep(1.1)  # Created has one-second resolution
        assert evict_cache(client, REPO, keep=2) == 2
        left = sorted(t for img in client.images.list(name=REPO) for t in img.tags)
        assert left == [f"{REPO}:v2", f"{REPO}:v3"]
    finally:
        for img in client.images.list(name=REPO):
            client.images.remove(img.id, force=True)
