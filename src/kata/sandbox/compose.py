"""A unit of several containers from the learner's compose file (``[app] kind = "compose"``).

kata reads the compose file itself (safe YAML, bounded) and starts the services with its own
primitives, not with Docker Compose: what reaches Docker is only what kata passes, so a
field kata does not honour cannot loosen containment. Each service:

* ``build:`` — built by kata's builder (deadline, the build network, the labelled cache),
  one build per distinct (context, Dockerfile);
* ``image:`` a database or cache kata provides (postgres, redis) — replaced by kata's
  stand-in image, with the service's own environment (its user, password, database),
  contained as the rest (the learner's command and files run in it), with the capabilities
  its entrypoint takes to drop to its own user (``ROOT_DROP_CAPS``);
* joins the run's one ``internal`` network under its service name, with the app's labels,
  limits and capabilities (``containment.contained``); named volumes become labelled
  volumes of the run; a bind mount inside the repository is copied in (a snapshot).

Refused, with the field and the fix named (``ComposeRefused``): whatever would reach the host
or widen a container (network_mode, privileged, cap_add, devices, pid/ipc/userns host,
security_opt, published ports, mounts outside the repository, external networks/volumes),
and what kata cannot honour (an image it does not provide, build args, a cycle in
depends_on). Ignored: restart, deploy, healthcheck, container_name, logging… (kata's own
apply). The stand-ins start first and must be ready before the services kata built start,
in depends_on order. Everything carries the run's labels: ``RunScope.remove`` takes it all.

Docker's resolver on an ``internal`` network never answers a name it does not know (a
stopped service's): glibc would wait 2 × 5 s for it. Each container is told to give up
after 1 s (``DNS_OPTIONS``), as a resolver with an upstream answers at once elsewhere.
"""

from __future__ import annotations

import re
import shlex
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kata._poll import wait_until
from kata.errors import ComposeRefused, RepoProblem
from kata.sandbox.app import DockerApp
from kata.sandbox.base import Image, ServiceHandle, Unit
from kata.sandbox.build import build_image
from kata.sandbox.containment import contained, starts_as_root
from kata.sandbox.kept import publish
from kata.sandbox.services import DockerService, _archive
from kata.yamlsource import YamlRefused, YamlTooLarge, documents

if TYPE_CHECKING:
    from kata.sandbox.docker import DockerSandbox

COMPOSE_FILES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")
MAX_FILE_BYTES = 256 * 1024
MAX_SERVICES = 16
MAX_ENTRIES = 200  # environment entries, volumes, depends_on … per service
# The document as YAML's aliases expand it (each alias counted again, as a walk sees it),
# and its aliases: with the file's size, what any later walk or str() can meet is bounded.
MAX_NODES = 50_000
MAX_ALIASES = 32  # anchors for a few shared fields (`<<: *defaults` per service) are fine
DNS_OPTIONS = ["timeout:1", "attempts:1"]
# Images kata provides: the compose image's name (registry and tag aside) -> kata's stand-in
# and the command that says it is ready.
STAND_INS: dict[str, tuple[str, list[str]]] = {
    "postgres": ("postgres:15", ["pg_isready", "-h", "127.0.0.1", "-q"]),
    "redis": ("redis:7", ["redis-cli", "ping"]),
}
STAND_IN_READY_S = 60.0
_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$")
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)")
# field -> (why it is refused, the fix)
REFUSED: dict[str, tuple[str, str]] = {
    "network_mode": ("it takes the service off kata's private network",
                     "remove it: every service joins one private network and reaches the "
                     "others by their service names"),
    "privileged": ("it gives the container the host's devices and every capability",
                   "remove it; nothing in this exercise needs it"),
    "cap_add": ("it adds kernel capabilities kata drops", "remove it"),
    "devices": ("it maps the host's devices into the container", "remove it"),
    "pid": ("it shares a process namespace (e.g. the host's)", "remove it"),
    "ipc": ("it shares an IPC namespace (e.g. the host's)", "remove it"),
    "userns_mode": ("it changes the user namespace", "remove it"),
    "security_opt": ("it changes the container's security profile", "remove it"),
    "cgroup_parent": ("it moves the container out of its own cgroup", "remove it"),
    "volumes_from": ("it mounts another container's volumes", "use a named volume"),
    "external_links": ("it links containers outside the file", "remove it"),
    "extra_hosts": ("it points names at addresses outside the unit", "remove it"),
    "runtime": ("it changes the container runtime", "remove it"),
    "ports": ("it publishes ports on the host",
              "remove `ports:` (use `expose:` if you like): kata reaches the gateway on the "
              "private network, and the services reach each other by name"),
}


@dataclass
class Mount:
    target: str
    volume: str = ""  # a named volume of the file
    source: Path | None = None  # a file or folder of the repository, copied in


@dataclass
class ServicePlan:
    name: str
    build: tuple[Path, str] | None  # (context, Dockerfile path) inside the repository
    image: str  # the stand-in when not built
    ready: list[str] = field(default_factory=list)  # a stand-in's ready command
    env: dict[str, str] = field(default_factory=dict)
    command: list[str] | None = None
    entrypoint: list[str] | None = None
    working_dir: str = ""
    user: str = ""
    depends_on: list[str] = field(default_factory=list)
    mounts: list[Mount] = field(default_factory=list)


@dataclass
class UnitPlan:
    file: Path
    services: list[ServicePlan]  # in start order: stand-ins, then depends_on order
    volumes: list[str]


def _refuse(where: str, why: str, fix: str) -> ComposeRefused:
    return ComposeRefused(f"{where}: kata does not run this, since {why}", fix)


def find_compose(root: Path) -> Path:
    for name in COMPOSE_FILES:
        if (root / name).is_file():
            return root / name
    raise RepoProblem("no compose file at the repository's root",
                      "add compose.yaml (or docker-compose.yml) describing your services")


def _inside(root: Path, rel: str, where: str) -> Path:
    path = (root / rel).resolve()
    if not path.is_relative_to(root.resolve()):
        raise _refuse(where, f"{rel!r} is outside the repository",
                      "keep every build context, Dockerfile, env_file and mounted path "
                      "inside the repository")
    return path


def _interpolate(text: str, dotenv: dict[str, str], where: str) -> str:
    def one(m: re.Match[str]) -> str:
        name = m.group(1) or m.group(4)
        value = dotenv.get(name)
        op, default = m.group(2), m.group(3) or ""
        if op in (":-", ":?"):
            use_default = not value
        else:
            use_default = value is None
        if op and op.endswith("?") and use_default:
            raise _refuse(where, f"${{{name}}} is required and not set",
                          f"set {name} in .env at the repository's root")
        if op and op.endswith("-") and use_default:
            return default
        return value or ""

    return _VAR.sub(one, text.replace("$$", "\0")).replace("\0", "$")


def _strings(value: Any, where: str, dotenv: dict[str, str]) -> list[str] | None:
    """A command or entrypoint: a list of strings, or one string split as a shell would."""
    if value is None:
        return None
    if isinstance(value, str):
        return shlex.split(_interpolate(value, dotenv, where))
    if isinstance(value, list) and len(value) <= MAX_ENTRIES:
        return [_interpolate(str(v), dotenv, where) for v in value]
    raise _refuse(where, "it is neither a string nor a list", "write it as a list of strings")


def _env_lines(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in text.splitlines()[:MAX_ENTRIES]:
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, _, value = line.partition("=")
            out[key.strip().removeprefix("export ").strip()] = value.strip().strip("'\"")
    return out


def _environment(root: Path, svc: dict[str, Any], where: str,
                 dotenv: dict[str, str]) -> dict[str, str]:
    env: dict[str, str] = {}
    files = svc.get("env_file") or []
    for f in [files] if isinstance(files, str) else list(files)[:MAX_ENTRIES]:
        rel = f.get("path", "") if isinstance(f, dict) else str(f)
        path = _inside(root, rel, f"{where}.env_file")
        if path.is_file() and path.stat().st_size <= MAX_FILE_BYTES:
            env.update(_env_lines(path.read_text(errors="replace")))
        elif not (isinstance(f, dict) and f.get("required") is False):
            raise RepoProblem(f"{where}.env_file: {rel} is not a file in the repository",
                              "commit it, or drop it from env_file")
    raw = svc.get("environment") or {}
    if isinstance(raw, list):
        pairs = [str(e).partition("=") for e in raw[:MAX_ENTRIES]]
        raw = {k: (v if eq else None) for k, eq, v in pairs}
    if not isinstance(raw, dict) or len(raw) > MAX_ENTRIES:
        raise _refuse(f"{where}.environment", "it is not a mapping or a list of KEY=VALUE",
                      "write it as a mapping")
    for key, value in raw.items():
        if value is None:  # `- KEY` takes the host's value in Compose; kata passes none
            continue
        text = str(value).lower() if isinstance(value, bool) else str(value)
        env[str(key)] = _interpolate(text, dotenv, f"{where}.environment.{key}")
    return env


def _mounts(root: Path, svc: dict[str, Any], where: str, volumes: dict[str, Any]) -> list[Mount]:
    mounts: list[Mount] = []
    for i, entry in enumerate(list(svc.get("volumes") or [])[:MAX_ENTRIES]):
        here = f"{where}.volumes[{i}]"
        if isinstance(entry, str):
            parts = entry.split(":")
            source, target = (parts[0], parts[1]) if len(parts) > 1 else ("", parts[0])
            kind = "bind" if source.startswith((".", "/", "~")) else "volume"
        elif isinstance(entry, dict):
            source, target = str(entry.get("source") or ""), str(entry.get("target") or "")
            kind = str(entry.get("type") or "volume")
        else:
            raise _refuse(here, "it is neither a string nor a mapping", "write `name:/path`")
        if not target.startswith("/"):
            raise _refuse(here, f"its target {target!r} is not an absolute path",
                          "mount at an absolute path in the container")
        if kind == "tmpfs" or (kind == "volume" and not source):
            continue  # scratch space: the container's own layer serves
        if kind == "bind":
            if source.startswith(("/", "~")):
                raise _refuse(here, f"it mounts the host's {source}",
                              "mount only files of the repository (./path), or use a "
                              "named volume")
            mounts.append(Mount(target, source=_inside(root, source, here)))
        elif kind == "volume":
            if source not in volumes:
                raise RepoProblem(f"{here}: the volume {source!r} is not declared under "
                                  "the top-level `volumes:`", "declare it there")
            mounts.append(Mount(target, volume=source))
        else:
            raise _refuse(here, f"kata does not mount `{kind}`", "use a named volume")
    return mounts


def _order(plans: dict[str, ServicePlan]) -> list[ServicePlan]:
    """Stand-ins first (kata waits until they are ready), then depends_on order."""
    done: list[str] = []
    visiting: set[str] = set()

    def visit(name: str, trail: list[str]) -> None:
        if name in done:
            return
        if name in visiting:
            raise _refuse(f"services.{name}.depends_on",
                          f"the dependencies form a cycle ({' -> '.join([*trail, name])})",
                          "break the cycle")
        visiting.add(name)
        for dep in plans[name].depends_on:
            visit(dep, [*trail, name])
        visiting.discard(name)
        done.append(name)

    for name in plans:
        visit(name, [])
    ordered = [plans[n] for n in done]
    return [p for p in ordered if p.build is None] + [p for p in ordered if p.build]


def _stand_in(image: str) -> tuple[str, list[str]] | None:
    name = image.split("@")[0].rsplit("/", 1)[-1].split(":")[0]
    return STAND_INS.get(name)


def _build(root: Path, value: Any, where: str) -> tuple[Path, str]:
    if isinstance(value, str):
        value = {"context": value}
    if not isinstance(value, dict):
        raise _refuse(where, "it is neither a path nor a mapping", "write `build: ./service`")
    for key in ("args", "target", "secrets", "ssh", "additional_contexts", "network"):
        if key in value:
            raise _refuse(f"{where}.{key}", "kata's builder does not take it",
                          "give the value in the Dockerfile (ARG with a default, ENV)")
    context = _inside(root, str(value.get("context") or "."), f"{where}.context")
    if not context.is_dir():
        raise RepoProblem(f"{where}.context: {value.get('context')} is not a folder",
                          "point it at a folder of the repository")
    dockerfile = _inside(context, str(value.get("dockerfile") or "Dockerfile"),
                         f"{where}.dockerfile")
    if not dockerfile.is_file():
        raise RepoProblem(f"{where}: no Dockerfile at {dockerfile.relative_to(root.resolve())}",
                          "add it, or name it with build.dockerfile")
    return context, str(dockerfile)


def plan_unit(root: Path, gateway: str) -> UnitPlan:
    """Read and check the compose file at ``root`` (no Docker): what kata will start."""
    root = root.resolve()
    path = find_compose(root)
    if path.stat().st_size > MAX_FILE_BYTES:
        raise _refuse(path.name, f"it is larger than {MAX_FILE_BYTES // 1024} KB",
                      "keep the compose file small")
    try:  # kata's reader of YAML a learner wrote: safe, aliases and nodes bounded
        docs = documents(path.name, path.read_text(errors="replace"), max_nodes=MAX_NODES,
                         max_aliases=MAX_ALIASES)
    except YamlTooLarge as e:  # a "billion laughs", or far more anchors than a file needs
        raise _refuse(path.name, str(e).removeprefix(f"{path.name}: "),
                      "write the services out; anchors for a few shared fields are "
                      "fine") from None
    except YamlRefused as e:
        raise RepoProblem(str(e), "fix the YAML (`docker compose config` shows the error "
                          "too)") from None
    doc = docs[0].data if docs else None
    if not isinstance(doc, dict) or not isinstance(doc.get("services"), dict):
        raise RepoProblem(f"{path.name} has no `services:` mapping", "declare your services")
    dotenv_file = root / ".env"
    dotenv = _env_lines(dotenv_file.read_text(errors="replace")) \
        if dotenv_file.is_file() and dotenv_file.stat().st_size <= MAX_FILE_BYTES else {}
    for kind in ("networks", "volumes"):
        for name, spec in (doc.get(kind) or {}).items():
            if isinstance(spec, dict) and (spec.get("external") or spec.get("driver_opts")
                                           or spec.get("driver") not in (None, "local", "bridge")):
                field_ = "external" if spec.get("external") else \
                    "driver_opts" if spec.get("driver_opts") else "driver"
                raise _refuse(f"{kind}.{name}.{field_}",
                              "it reaches outside the unit (the host, another network)",
                              f"drop `{field_}`: kata gives the unit one private network "
                              "and volumes of its own")
    for key in ("secrets", "configs", "include"):
        if doc.get(key):
            raise _refuse(key, "kata does not provide it",
                          "pass settings in `environment:` or an env_file")
    services = {n: s for n, s in doc["services"].items()
                if not (isinstance(s, dict) and s.get("profiles"))}
    if len(services) > MAX_SERVICES:
        raise _refuse("services", f"it declares more than {MAX_SERVICES} services",
                      "keep the unit smaller")
    if gateway not in services:
        raise RepoProblem(f"{path.name} has no service {gateway!r}",
                          f"name the service that answers clients `{gateway}`")
    volumes = dict(doc.get("volumes") or {})
    plans: dict[str, ServicePlan] = {}
    for name, svc in services.items():
        where = f"services.{name}"
        if not isinstance(name, str) or not _NAME.match(name) or not isinstance(svc, dict):
            raise RepoProblem(f"{where}: not a service kata can name",
                              "use letters, digits, `-`, `_` and `.` in service names")
        for key, (why, fix) in REFUSED.items():
            if svc.get(key) not in (None, False, [], {}):
                raise _refuse(f"{where}.{key}", why, fix)
        image = str(svc.get("image") or "")
        built = _build(root, svc["build"], f"{where}.build") if "build" in svc else None
        stand_in = None if built else _stand_in(image)
        if not built and stand_in is None:
            raise _refuse(f"{where}.image", f"{image or 'no image'} is not one kata provides "
                          f"({', '.join(STAND_INS)}) and there is no `build:`",
                          "build the service from a Dockerfile in the repository")
        deps = svc.get("depends_on") or []
        deps = list(deps) if isinstance(deps, (list, dict)) else []
        for dep in deps:
            if not isinstance(dep, str) or dep not in services:
                raise RepoProblem(f"{where}.depends_on: no service {dep!r}",
                                  "name a service of the file")
        plans[name] = ServicePlan(
            name=name, build=built, image=stand_in[0] if stand_in else "",
            ready=stand_in[1] if stand_in else [],
            env=_environment(root, svc, where, dotenv),
            command=_strings(svc.get("command"), f"{where}.command", dotenv),
            entrypoint=_strings(svc.get("entrypoint"), f"{where}.entrypoint", dotenv),
            working_dir=str(svc.get("working_dir") or ""), user=str(svc.get("user") or ""),
            depends_on=[str(d) for d in deps if isinstance(d, (str, int))],
            mounts=_mounts(root, svc, where, volumes))
    if plans[gateway].build is None:
        raise RepoProblem(f"services.{gateway} has no `build:`",
                          "build the gateway from a Dockerfile in the repository")
    return UnitPlan(file=path, services=_order(plans), volumes=list(volumes))


def start_unit(sandbox: DockerSandbox, root: Path, gateway: str, port: int, timeout_s: float,
               on_log: Callable[[str], None], cache_tag: str) -> Unit:
    """Build and start the unit the compose file at ``root`` describes; the gateway is the
    app. Whatever it made carries the run's labels (removed by the sandbox's close)."""
    plan = plan_unit(root, gateway)
    scope, client = sandbox.scope, sandbox.client
    network = sandbox.ensure_network()
    deadline = time.monotonic() + timeout_s
    images: dict[tuple[Path, str], Image] = {}
    for svc in plan.services:
        if svc.build is None or svc.build in images:
            continue
        on_log(f"--- building service {svc.name}")
        images[svc.build] = build_image(
            scope, svc.build[0], svc.build[1], max(1.0, deadline - time.monotonic()), on_log,
            cache_tag=f"{cache_tag}-{len(images)}" if cache_tag else "", name=svc.name)
    for volume in plan.volumes:
        with scope.making():
            client.volumes.create(f"kata-{scope.run_id}-v-{volume}", labels=scope.labels)
    app: DockerApp | None = None
    services: dict[str, ServiceHandle] = {}
    ready_all = False
    for svc in plan.services:
        files = {m.target: m.source for m in svc.mounts if m.source is not None}
        if svc.build is None:  # kata's stand-in, contained all the same: the learner's
            sandbox.require_image(svc.image)  # command and files run in it
            tag, as_root, role = svc.image, True, f"service:{svc.name}"
        else:
            if not ready_all:  # the stand-ins (first in the plan) answer before it starts
                for stand_in in plan.services:
                    _await(services.get(stand_in.name), stand_in.ready)
                ready_all = True
            image = images[svc.build]
            tag, as_root, role = image.tag, starts_as_root(client, image.tag), f"unit:{svc.name}"
        opts = contained(sandbox.limits, {**scope.labels, "kata.role": role}, network, as_root)
        opts["volumes"] = {f"kata-{scope.run_id}-v-{m.volume}": {"bind": m.target, "mode": "rw"}
                           for m in svc.mounts if m.volume}
        with scope.making():
            container = client.containers.create(
                tag, name=f"kata-{scope.run_id}-{svc.name}", hostname=svc.name,
                environment=svc.env, command=svc.command, entrypoint=svc.entrypoint,
                working_dir=svc.working_dir or None, user=svc.user or None,
                dns_opt=DNS_OPTIONS, detach=True, **opts)
            if files:
                container.put_archive("/", _archive(files))
        net = client.networks.get(network)
        net.disconnect(container)
        # the gateway also answers as the app's container name: a kept run's relay dials it
        extra = [f"kata-{scope.run_id}-app"] if svc.name == gateway else []
        net.connect(container, aliases=[svc.name, *extra])
        if svc.name == gateway:
            app = DockerApp(sandbox=sandbox, image=image, port=port, env=svc.env,
                            container=container)
            container.start()
            app.watch = sandbox._watch(container)
            app.refresh_address()
            if sandbox.keep:
                publish(sandbox, app)
            continue
        container.start()
        sandbox._watch(container)
        container.reload()
        ip = container.attrs["NetworkSettings"]["Networks"][network]["IPAddress"]
        services[svc.name] = DockerService(name=svc.name, host=svc.name, ip=ip,
                                           container=container, network=network)
    assert app is not None
    return Unit(app=app, services=services, image=app.image)


def _await(service: ServiceHandle | None, ready: list[str]) -> None:
    if not isinstance(service, DockerService) or not ready:
        return
    if not wait_until(lambda: service.exec(ready, timeout_s=5).code == 0, STAND_IN_READY_S,
                      every_s=0.3):
        raise RepoProblem(f"the service {service.name!r} (kata's stand-in) was not ready "
                          f"within {STAND_IN_READY_S:.0f} s",
                          "check its environment (user, password, database) in the compose "
                          "file", service.container.logs(tail=40).decode("utf-8", "replace"))
