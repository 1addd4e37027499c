"""An in-memory sandbox for the engine's unit tests. It runs nothing; it records what the
engine asked for and plays back the failures a test scripts into it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from kata.errors import RepoProblem
from kata.sandbox.base import Address, Completed, Image, ImageFacts, Stopped, Unit


@dataclass
class FakeService:
    name: str
    host: str
    ready_after: int = 0  # exec calls that fail before the service is ready
    stopped: bool = False

    def address(self, port: int) -> Address:
        return Address("127.0.0.1", port)

    def exec(self, cmd: list[str], timeout_s: float = 30) -> Completed:
        self.ready_after -= 1
        return Completed(cmd, 0 if self.ready_after < 0 else 1, "", "")

    def running(self) -> bool:
        return not self.stopped

    def stop(self) -> None:
        self.stopped = True

    def start(self) -> None:
        self.stopped = False

    def freeze(self) -> None:
        self.stopped = True

    def thaw(self) -> None:
        self.stopped = False


@dataclass
class FakeApp:
    port: int
    address: Address = Address("", 0)  # 127.0.0.1 and ``port`` unless given
    exit_code: int | None = None
    restarts: int = 0
    log: str = "fake app log"
    listen: list[tuple[str, int]] | None = None

    def __post_init__(self) -> None:
        if not self.address.host:
            self.address = Address("127.0.0.1", self.port)

    def running(self) -> bool:
        return self.exit_code is None

    def exit_status(self) -> tuple[int | None, bool]:
        return self.exit_code, False

    def logs(self, tail_bytes: int = 4000, tail_lines: int = 200) -> str:
        return self.log[-tail_bytes:]

    def listening(self) -> list[tuple[str, int]] | None:
        return self.listen

    def limits_hit(self) -> list[str]:
        return []

    def restart(self) -> None:
        self.restarts += 1
        self.exit_code = None  # the same container, started again

    def stop(self, timeout_s: float = 10) -> Stopped:
        self.exit_code = 0
        return Stopped(0, 0.0, False)

    def health(self) -> str | None:
        return None

    def image_facts(self, tag: str | None = None) -> ImageFacts:
        return ImageFacts(tag or "fake", 42_000_000, "", None, ["app"], None, {}, [])

    def image_contains(self, tag: str, needle: bytes) -> list[str]:
        return []

    def run(self, args: list[str], stdin: str | None = None, timeout_s: float = 30,
            env: dict[str, str] | None = None, fresh: bool = False,
            entrypoint: list[str] | None = None) -> Completed:
        return Completed(args, 0, "", "")

    def start_again(self, port: int, env: dict[str, str], entrypoint: list[str] | None = None,
                    command: list[str] | None = None, user: str | None = None,
                    read_only: bool = False, tmpfs: list[str] | None = None) -> FakeApp:
        return FakeApp(port=port)


@dataclass
class FakeSandbox:
    run_id: str = "fake"
    build_problem: RepoProblem | None = None
    app_exit_code: int | None = None
    app_log: str = "fake app log"
    listen: list[tuple[str, int]] | None = None
    calls: list[str] = field(default_factory=list)
    closed: int = 0

    def build(self, context: Path, dockerfile: str, timeout_s: float,
              on_log: Callable[[str], None], cache_tag: str = "", name: str = "") -> Image:
        self.calls.append("build")
        on_log("Step 1/1 : FROM scratch")
        if self.build_problem:
            raise self.build_problem
        return Image(tag=f"fake:{self.run_id}", size_bytes=42_000_000)

    def start_service(self, name: str, image: str, env: dict[str, str],
                      aliases: list[str], command: list[str] | None = None,
                      files: dict[str, Path] | None = None) -> FakeService:
        self.calls.append(f"service:{name}")
        return FakeService(name=name, host=name, ready_after=2)

    def start_app(
        self, image: Image, env: dict[str, str], port: int, serve: bool = True,
        command: list[str] | None = None, init: bool = True,
    ) -> FakeApp:
        self.calls.append("app")
        self.env = env
        self.command = command
        return FakeApp(port=port, exit_code=self.app_exit_code, log=self.app_log,
                       listen=self.listen)

    def start_unit(self, root: Path, gateway: str, port: int, timeout_s: float,
                   on_log: Callable[[str], None], cache_tag: str = "") -> Unit:
        self.calls.append(f"unit:{gateway}")
        if self.build_problem:
            raise self.build_problem
        return Unit(app=FakeApp(port=port, exit_code=self.app_exit_code, log=self.app_log),
                    services={"db": FakeService(name="db", host="db")},
                    image=Image(tag=f"fake:{self.run_id}", size_bytes=42_000_000))

    def close(self) -> None:
        self.closed += 1
        self.calls.append("close")

    def engine_version(self) -> str:
        return "fake"
