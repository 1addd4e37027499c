"""Removing a run when a container of it lands late: a create request cut short by Ctrl-C
may still finish after the run's containers were listed, holding one of its volumes, and
Docker then refuses to remove the volume (409 "volume is in use"). A compose grade
interrupted while its unit started once exited as a Docker error so, not as interrupted."""

from __future__ import annotations

import uuid

import docker
import pytest
from docker.models.volumes import VolumeCollection

from kata.sandbox.housekeeping import LABEL, RUN_LABEL, remove_run

pytestmark = pytest.mark.docker


def test_a_volume_held_by_a_container_that_landed_late_goes_with_it(monkeypatch):
    client = docker.from_env()
    run_id = f"test-{uuid.uuid4().hex[:12]}"
    labels = {LABEL: "1", RUN_LABEL: run_id}
    volume = client.volumes.create(f"kata-{run_id}-v-data", labels=labels)
    listed = VolumeCollection.list
    landed: list[str] = []

    def late_container_then_list(self, *args, **kwargs):
        if not landed:  # the late create lands now: after the containers were listed
            landed.append(client.containers.create(
                "kata-base:bookworm", ["true"], labels=labels,
                volumes={volume.name: {"bind": "/data", "mode": "rw"}}).id)
        return listed(self, *args, **kwargs)

    monkeypatch.setattr(VolumeCollection, "list", late_container_then_list)
    try:
        remove_run(client, run_id)
        assert landed, "the late container was made"
        assert not client.containers.list(all=True, filters={"label": f"{RUN_LABEL}={run_id}"})
        assert not listed(client.volumes, filters={"label": f"{RUN_LABEL}={run_id}"})
    finally:
        monkeypatch.undo()
        for c in client.containers.list(all=True, filters={"label": f"{RUN_LABEL}={run_id}"}):
            c.remove(force=True)
        for v in client.volumes.list(filters={"label": f"{RUN_LABEL}={run_id}"}):
            v.remove(force=True)
