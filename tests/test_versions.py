"""The Docker engine's version in a report is the engine's own (asked through the API),
the same the docker CLI reports."""

from __future__ import annotations

import subprocess
import uuid

import pytest

from kata.catalog.models import Limits
from kata.sandbox.docker import DockerSandbox, connect


@pytest.mark.docker
def test_the_sandbox_reports_the_engines_version():
    cli = subprocess.run(["docker", "version", "--format", "{{.Server.Version}}"],
                         capture_output=True, text=True, check=True).stdout.strip()
    sandbox = DockerSandbox(limits=Limits(), run_id=uuid.uuid4().hex[:12], client=connect())
    try:
        assert sandbox.engine_version() == cli != ""
    finally:
        sandbox.close()
