"""A service container (a database, a cache) beside the app on the run's network."""

from __future__ import annotations

import io
import tarfile
from dataclasses import dataclass
from pathlib import Path

import docker
import docker.errors
from docker.models.containers import Container

from kata.sandbox.base import EXEC_OUTPUT_CAP, Address, Completed
from kata.sandbox.housekeeping import RunScope


@dataclass
class DockerService:
    name: str
    host: str
    ip: str  # its address on the run's network, which Docker routes from this host
    container: Container
    network: str

    def address(self, port: int) -> Address:
        return Address(self.ip, port)

    def exec(self, cmd: list[str], timeout_s: float = 30) -> Completed:
        wrapped = ["timeout", str(int(timeout_s)), *cmd]
        api = self.container.client.api
        exec_id = api.exec_create(self.container.id, wrapped, stdout=True, stderr=True)["Id"]
        kept: tuple[bytearray, bytearray] = (bytearray(), bytearray())
        clipped = False
        # Read it all (the command's pipe must drain for it to end), keep only the cap.
        for chunk in api.exec_start(exec_id, stream=True, demux=True):
            for buffer, data in zip(kept, chunk, strict=True):
                if data:
                    room = EXEC_OUTPUT_CAP - len(buffer)
                    buffer += data[:max(room, 0)]
                    clipped = clipped or len(data) > room
        code = api.exec_inspect(exec_id).get("ExitCode")
        code = -1 if code is None else int(code)
        return Completed(
            args=cmd,
            code=code,
            stdout=kept[0].decode("utf-8", "replace"),
            stderr=kept[1].decode("utf-8", "replace"),
            timed_out=code == 124,
            clipped=clipped,
        )

    def running(self) -> bool:
        try:
            self.container.reload()
        except docker.errors.NotFound:
            return False
        return self.container.status == "running"

    def stop(self) -> None:
        self.container.stop(timeout=10)

    def freeze(self) -> None:
        self.container.pause()

    def thaw(self) -> None:
        self.container.unpause()

    def start(self) -> None:
        self.container.start()
        self.container.reload()
        # Docker may hand a restarted container another address on the network.
        self.ip = self.container.attrs["NetworkSettings"]["Networks"][self.network]["IPAddress"]


def _archive(files: dict[str, Path]) -> bytes:
    """A tar of ``files`` (container path -> host file or folder), to extract at /: the
    entries readable by any user, since a service may read them after dropping root."""
    out = io.BytesIO()

    def readable(info: tarfile.TarInfo) -> tarfile.TarInfo:
        info.uid = info.gid = 0
        info.uname = info.gname = "root"
        info.mode |= 0o555 if info.isdir() else 0o444
        return info

    with tarfile.open(fileobj=out, mode="w") as tar:
        for target, source in files.items():
            tar.add(str(source), arcname=target.lstrip("/"), filter=readable)
    return out.getvalue()


def start_service(scope: RunScope, network: str, name: str, image: str, env: dict[str, str],
                  aliases: list[str], command: list[str] | None = None,
                  files: dict[str, Path] | None = None) -> DockerService:
    """Start ``image`` as the service ``name`` on ``network``, reachable there by its name
    and ``aliases``; ``command`` replaces its CMD, ``files`` are copied in first."""
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
            command=command or None,
        )
        if files:
            container.put_archive("/", _archive(files))
    # Aliases must be set on the network endpoint; create() takes only the network name.
    net = client.networks.get(network)
    net.disconnect(container)
    net.connect(container, aliases=[name, *aliases])
    container.start()
    container.reload()
    ip = container.attrs["NetworkSettings"]["Networks"][network]["IPAddress"]
    return DockerService(name=name, host=name, ip=ip, container=container, network=network)
