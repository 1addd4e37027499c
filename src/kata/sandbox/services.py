"""A service container (a database, a cache) beside the app on the run's network."""

from __future__ import annotations

from dataclasses import dataclass

import docker
import docker.errors
from docker.models.containers import Container

from kata.sandbox.base import Address, Completed
from kata.sandbox.housekeeping import RunScope


@dataclass
class DockerService:
    name: str
    host: str
    ip: str  # its address on the run's network, which Docker routes from this host
    container: Container

    def address(self, port: int) -> Address:
        return Address(self.ip, port)

    def exec(self, cmd: list[str], timeout_s: float = 30) -> Completed:
        wrapped = ["timeout", str(int(timeout_s)), *cmd]
        code, out = self.container.exec_run(wrapped, demux=True)
        stdout, stderr = out if out else (b"", b"")
        return Completed(
            args=cmd,
            code=code,
            stdout=(stdout or b"").decode("utf-8", "replace"),
            stderr=(stderr or b"").decode("utf-8", "replace"),
            timed_out=code == 124,
        )

    def running(self) -> bool:
        try:
            self.container.reload()
        except docker.errors.NotFound:
            return False
        return self.container.status == "running"


def start_service(scope: RunScope, network: str, name: str, image: str, env: dict[str, str],
                  aliases: list[str]) -> DockerService:
    """Start ``image`` as the service ``name`` on ``network``, reachable there by its name
    and ``aliases``."""
    client = scope.client
    with scope.making():
        container = client.containers.create(
            image,
            name=f"kata-{scope.run_id}-{name}",
            hostname=name,
            environment=env,
            labels={**scope.labels, "kata.role": f"service:{name}"},
            network=network,
            mem_limit="1g",
            memswap_limit="1g",
            init=True,
            detach=True,
        )
    # Aliases must be set on the network endpoint; create() takes only the network name.
    net = client.networks.get(network)
    net.disconnect(container)
    net.connect(container, aliases=[name, *aliases])
    container.start()
    container.reload()
    ip = container.attrs["NetworkSettings"]["Networks"][network]["IPAddress"]
    return DockerService(name=name, host=name, ip=ip, container=container)
