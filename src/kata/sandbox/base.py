"""The sandbox interface the engine and graders see. Docker implements it for grading;
``fake.FakeSandbox`` implements it in memory for the engine's unit tests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple, NoReturn, Protocol


class Address(NamedTuple):
    """Where a client on kata's host reaches a port of something the sandbox runs. The
    sandbox decides it: Docker on this host answers a container's address on the run's
    network; a remote engine or a cluster would answer a published or forwarded port."""

    host: str
    port: int

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    @property
    def url(self) -> str:
        """The app's HTTP root at this address: ``http://host:port``."""
        return f"http://{self}"


@dataclass(frozen=True)
class Image:
    tag: str
    size_bytes: int


@dataclass(frozen=True)
class ImageFacts:
    """What an image's configuration says, for graders of the image itself (week 4)."""

    tag: str
    size_bytes: int
    user: str  # its USER; "" when unset (root)
    entrypoint: list[str] | None
    cmd: list[str] | None  # a shell-form CMD reads ["/bin/sh", "-c", "…"]
    healthcheck: list[str] | None  # HEALTHCHECK's test, e.g. ["CMD", "python", …]
    env: dict[str, str]
    history: list[str]  # each history entry's created_by, oldest first


@dataclass(frozen=True)
class Stopped:
    """How the app ended when kata stopped it: its exit code (None if it had not exited),
    the seconds the stop took, and whether kata had to kill it after the grace period."""

    exit_code: int | None
    seconds: float
    killed: bool


@dataclass(frozen=True)
class BuildStep:
    instruction: str  # "RUN pip install -r requirements.txt"
    cached: bool  # the legacy builder reused the layer (" ---> Using cache")


@dataclass(frozen=True)
class Rebuilt:
    """A build of a changed copy of the learner's build context (``GradedApp.rebuild``)."""

    image: ImageFacts
    steps: list[BuildStep]
    seconds: float
    log_tail: str


# Bytes of stdout (and of stderr) kept from an exec in a service: enough for any query
# result a grader reads, bounded against what a learner's app stored there.
EXEC_OUTPUT_CAP = 1_000_000


@dataclass(frozen=True)
class Completed:
    """One finished command: a CLI run of the learner's image, or an exec in a service."""

    args: list[str]
    code: int
    stdout: str
    stderr: str
    timed_out: bool = False
    clipped: bool = False  # output went past the cap and was cut: what is left is partial


class ServiceHandle(Protocol):
    name: str
    host: str  # its hostname on the private network (what the app dials)

    def address(self, port: int) -> Address:
        """Where a client on kata's host reaches the service's ``port``."""
        ...

    def exec(self, cmd: list[str], timeout_s: float = 30) -> Completed:
        """Run ``cmd`` inside the service. Its output is capped (EXEC_OUTPUT_CAP): what the
        app stored there is the learner's, and a grader may print it."""
        ...

    def running(self) -> bool: ...

    def stop(self) -> None:
        """Stop the service (fault injection); ``start`` brings it back with its data."""
        ...

    def start(self) -> None: ...

    def freeze(self) -> None:
        """Pause every process of the service (fault injection: a downstream that accepts
        connections and never answers); ``thaw`` resumes it."""
        ...

    def thaw(self) -> None: ...


class AppHandle(Protocol):
    """The learner's app as the graders see it."""

    port: int  # the port it listens on in its own container (its PORT)
    # Where kata's clients reach it, as the sandbox hands it out (it may change when the
    # app restarts): never assume the container's own address is routable from here.
    address: Address

    def running(self) -> bool: ...

    def exit_status(self) -> tuple[int | None, bool]:
        """(exit code or None while running, OOM-killed)."""
        ...

    def logs(self, tail_bytes: int = 4000, tail_lines: int = 200) -> str:
        """The end of the app's output: its last ``tail_lines`` lines, at most
        ``tail_bytes`` of them (the log files are capped too: containment)."""
        ...

    def listening(self) -> list[tuple[str, int]] | None:
        """(address, port) of the TCP sockets the app listens on; None if unknown."""
        ...

    def limits_hit(self) -> list[str]:
        """The sandbox limits the app ran into (memory, processes, disk, log), in words."""
        ...

    def restart(self) -> None:
        """Stop the app (SIGTERM, then kill) and start the same container again."""
        ...

    def stop(self, timeout_s: float = 10) -> Stopped:
        """SIGTERM the app, wait up to ``timeout_s`` for it to exit, then kill it. It stays
        stopped until ``restart``."""
        ...

    def health(self) -> str | None:
        """The container's health: "starting", "healthy", "unhealthy"; None when its image
        has no HEALTHCHECK."""
        ...

    def image_facts(self, tag: str | None = None) -> ImageFacts:
        """The configuration of the app's image, or of another local image by ``tag``."""
        ...

    def image_contains(self, tag: str, needle: bytes) -> list[str]:
        """The entries of the saved image (``docker save``: each layer, the config that
        holds the history and ENV) whose bytes contain ``needle``."""
        ...

    def run(self, args: list[str], stdin: str | None = None, timeout_s: float = 30,
            env: dict[str, str] | None = None, fresh: bool = False,
            entrypoint: list[str] | None = None) -> Completed:
        """Run the image once as a command (CLI exercises), as `docker run IMAGE ARGS` would.
        Runs share one data volume and, unless ``fresh``, one container they exec in (what
        one run leaves outside the volume, the next may see); ``fresh`` runs in a new
        container. ``env`` is laid over the app's environment for this run only.
        ``entrypoint`` replaces the image's ENTRYPOINT and kata.toml's command, as
        `docker run --entrypoint` does (e.g. ``["sh", "-c"]`` to run a shell line)."""
        ...

    def start_again(self, port: int, env: dict[str, str], entrypoint: list[str] | None = None,
                    command: list[str] | None = None, user: str | None = None,
                    read_only: bool = False, tmpfs: list[str] | None = None) -> AppHandle:
        """A second container of the app's image, started as a server the way another
        runtime would start it (a Kubernetes Deployment's container): ``env`` only, not the
        app's; ``entrypoint``/``command`` replace ENTRYPOINT/CMD as `docker run
        --entrypoint … IMAGE …` does; ``user`` (`--user`), ``read_only`` (`--read-only`)
        and ``tmpfs`` (writable in-memory mount points). Same limits, network and labels as
        the app: removed with the run. The handle answers on ``port``."""
        ...


@dataclass
class Unit:
    """A unit of several containers (``[app] kind = "compose"``): its gateway as the app,
    the others as services graders may stop, freeze or exec in."""

    app: AppHandle
    services: dict[str, ServiceHandle]
    image: Image  # the gateway's


class NoApp:
    """The app of a document exercise: there is none. The repository itself is graded
    (``GradedApp.files``); a grader that reaches for a running app is kata's bug, so each
    such call says so instead of failing as the learner's."""

    port = 0
    address = Address("127.0.0.1", 0)

    def _none(self, *_: object, **__: object) -> NoReturn:
        raise RuntimeError("a document exercise has no app to run or reach (grader bug)")

    def running(self) -> bool:
        return True  # nothing can crash: the checks between requirements pass

    def exit_status(self) -> tuple[int | None, bool]:
        return None, False

    def logs(self, tail_bytes: int = 4000, tail_lines: int = 200) -> str:
        return ""

    def listening(self) -> list[tuple[str, int]] | None:
        return None

    def limits_hit(self) -> list[str]:
        return []

    restart = stop = health = image_facts = image_contains = run = start_again = _none


class Sandbox(Protocol):
    run_id: str

    def build(
        self,
        context: Path,
        dockerfile: str,
        timeout_s: float,
        on_log: Callable[[str], None],
        cache_tag: str = "",
        name: str = "",
    ) -> Image:
        """Build the learner's image. It is kept under ``cache_tag`` (labelled kata.cache,
        removed by `kata clean --cache`) so the next grade of the same repo reuses layers.
        ``name`` builds one apart from the run's image (a grader's rebuild), removed with
        the run."""
        ...

    def start_service(
        self, name: str, image: str, env: dict[str, str], aliases: list[str],
        command: list[str] | None = None, files: dict[str, Path] | None = None,
    ) -> ServiceHandle:
        """Start ``image`` as the service ``name``; ``command`` replaces its CMD and
        ``files`` (container path -> a host file or folder) are copied in before it starts."""
        ...

    def start_app(self, image: Image, env: dict[str, str], port: int, serve: bool,
                  command: list[str] | None = None, init: bool = True) -> AppHandle:
        """Start the app listening on ``port``; ``command`` replaces the image's CMD (for a
        CLI app: the program each run's arguments follow)."""
        ...

    def start_unit(self, root: Path, gateway: str, port: int, timeout_s: float,
                   on_log: Callable[[str], None], cache_tag: str = "") -> Unit:
        """Build and start the unit the compose file at ``root`` describes, contained as the
        app is (``kata.sandbox.compose``); the ``gateway`` service answers at ``port``."""
        ...

    def close(self) -> None:
        """Remove everything this sandbox created. Safe to call twice."""
        ...

    def engine_version(self) -> str:
        """The container engine's version, recorded in the report ("" when unknown)."""
        ...
