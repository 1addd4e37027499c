"""runs-as-deployed: kata starts the repository's image once as the Deployment's first
container would run (its command and args, only the environment the Deployment gives, its
user, a read-only root filesystem with emptyDir mounts) and asks the readiness and liveness
probes as the kubelet would: a manifest that cannot work is caught without a cluster."""

from __future__ import annotations

import base64
import binascii
import re
import socket
import time
from dataclasses import dataclass
from typing import Any

import httpx

from kata.testing import AppMisbehaved, GradedApp, capped_client, requirement, trim

from ._manifests import (
    POD,
    PROBES,
    Doc,
    Finding,
    containers,
    deployments,
    dotted,
    of_kind,
    text,
)

POLL_S = 0.5
LOG_LINES, LOG_BYTES = 6, 600  # the end of its output: where the error is
PROBE_TIMEOUT_S = 2.0
VAR = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)|\$\$")


@dataclass
class Probe:
    kind: str  # readinessProbe, livenessProbe
    port: int
    path: str | None  # httpGet's path; None for tcpSocket
    headers: dict[str, str]


class Unrunnable(AssertionError):
    """The Deployment's container would not start in a cluster (or kata cannot run it)."""


def _values(doc: Doc) -> dict[str, str]:
    """A ConfigMap's or Secret's keys and values, as the container's environment gets them
    (a Secret's data decoded from base64, its stringData as written)."""
    out: dict[str, str] = {}
    data = doc.get("data")
    for key, value in (data.items() if isinstance(data, dict) else []):
        if doc.kind == "Secret":
            try:
                out[str(key)] = base64.b64decode(text(value), validate=True).decode("utf-8",
                                                                                     "replace")
            except (binascii.Error, ValueError):
                raise Unrunnable(str(Finding(doc, ("data", key), "not base64"))) from None
        else:
            out[str(key)] = text(value)
    string = doc.get("stringData") if doc.kind == "Secret" else None
    for key, value in (string.items() if isinstance(string, dict) else []):
        out[str(key)] = text(value)
    return out


def expand(value: str, env: dict[str, str]) -> str:
    """$(VAR) as Kubernetes expands it in env values, command and args ($$ is a $)."""
    def one(m: re.Match[str]) -> str:
        if m.group(0) == "$$":
            return "$"
        return env.get(m.group(1), m.group(0))
    return VAR.sub(one, value)


FIELD_REFS = {"metadata.name": "app", "metadata.namespace": "default",
              "status.podIP": "127.0.0.1", "spec.nodeName": "node",
              "spec.serviceAccountName": "default"}


def environment(dep: Doc, path: tuple[Any, ...], c: dict[str, Any],
                docs: list[Doc]) -> dict[str, str]:
    """The container's environment as the kubelet builds it: envFrom in order, then env."""
    sources = {kind: {d.name: d for d in of_kind(docs, kind)} for kind in ("ConfigMap", "Secret")}

    def source(kind: str, name: str, optional: bool, at: tuple[Any, ...]) -> dict[str, str]:
        doc = sources[kind].get(name)
        if doc is None:
            if optional:
                return {}
            raise Unrunnable(str(Finding(dep, at, f"the {kind} {name!r} is not in k8s/: the "
                                                  "pod would not start")))
        return _values(doc)

    env: dict[str, str] = {}
    for i, src in enumerate(c.get("envFrom") or []):
        if not isinstance(src, dict):
            continue
        prefix = text(src.get("prefix"))
        for field_, kind in (("configMapRef", "ConfigMap"), ("secretRef", "Secret")):
            ref = src.get(field_)
            if isinstance(ref, dict):
                got = source(kind, text(ref.get("name")), ref.get("optional") is True,
                             (*path, "envFrom", i))
                env.update({prefix + k: v for k, v in got.items()})
    for i, var in enumerate(c.get("env") or []):
        if not isinstance(var, dict) or not text(var.get("name")):
            continue
        name, at = text(var["name"]), (*path, "env", i)
        vf = var.get("valueFrom")
        if isinstance(vf, dict):
            for field_, kind in (("configMapKeyRef", "ConfigMap"), ("secretKeyRef", "Secret")):
                ref = vf.get(field_)
                if isinstance(ref, dict):
                    optional = ref.get("optional") is True
                    got = source(kind, text(ref.get("name")), optional, at)
                    key = text(ref.get("key"))
                    if key in got:
                        env[name] = got[key]
                    elif not optional:
                        raise Unrunnable(str(Finding(dep, at, f"the {kind} "
                                                              f"{text(ref.get('name'))!r} has "
                                                              f"no key {key!r}: the pod would "
                                                              "not start")))
            ref = vf.get("fieldRef")
            if isinstance(ref, dict):
                env[name] = FIELD_REFS.get(text(ref.get("fieldPath")), "")
        else:
            env[name] = expand(text(var.get("value")), env)
    return env


def _port(dep: Doc, c: dict[str, Any], value: Any, at: tuple[Any, ...]) -> int:
    """A probe's port: a number, or the name of one of the container's ports."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    for p in c.get("ports") or []:
        if isinstance(p, dict) and text(p.get("name")) == text(value):
            got = p.get("containerPort")
            if isinstance(got, int):
                return got
    raise Unrunnable(str(Finding(dep, at, f"port {text(value)!r} is no port of the container")))


def probes(dep: Doc, path: tuple[Any, ...], c: dict[str, Any]) -> list[Probe]:
    """The container's HTTP and TCP probes, as kata asks them; an exec or grpc probe is not
    asked (the container staying up is all kata checks of it)."""
    found = []
    for kind in PROBES:
        probe = c.get(kind)
        if not isinstance(probe, dict):
            continue
        get, tcp = probe.get("httpGet"), probe.get("tcpSocket")
        if isinstance(get, dict):
            at = (*path, kind, "httpGet", "port")
            if text(get.get("scheme")).upper() == "HTTPS":
                raise Unrunnable(str(Finding(dep, (*path, kind, "httpGet", "scheme"),
                                             "kata asks probes over plain HTTP only")))
            headers = {text(h.get("name")): text(h.get("value"))
                       for h in get.get("httpHeaders") or [] if isinstance(h, dict)}
            found.append(Probe(kind, _port(dep, c, get.get("port"), at),
                               text(get.get("path")) or "/", headers))
        elif isinstance(tcp, dict):
            found.append(Probe(kind, _port(dep, c, tcp.get("port"), (*path, kind, "tcpSocket",
                                                                       "port")), None, {}))
    return found


def _output(again: GradedApp) -> str:
    out = again.logs(tail_bytes=LOG_BYTES, tail_lines=LOG_LINES).strip()
    return f"; its last output:\n{out}" if out else " (it wrote no output)"


def _ask(again: GradedApp, probe: Probe) -> str | None:
    """None when the probe succeeds as the kubelet judges it (an HTTP status from 200 to
    399, or a TCP connection), else what happened."""
    url = f"http://{again.host}:{probe.port}"
    if probe.path is None:
        try:
            with socket.create_connection((again.host, probe.port), timeout=PROBE_TIMEOUT_S):
                return None
        except OSError as e:
            return f"TCP port {probe.port}: {e.__class__.__name__}"
    try:
        with capped_client(url, PROBE_TIMEOUT_S) as client:
            r = client.get(probe.path, headers=probe.headers)
    except (httpx.HTTPError, AppMisbehaved) as e:
        return f"GET {probe.path} on port {probe.port}: {trim(str(e) or e.__class__.__name__, 120)}"
    if 200 <= r.status_code < 400:
        return None
    return f"GET {probe.path} on port {probe.port} answered {r.status_code} {trim(r.text, 120)}"


def _user(dep: Doc, c: dict[str, Any], image_user: str) -> str | None:
    """--user from runAsUser/runAsGroup (the container's over the pod's); Unrunnable when
    runAsNonRoot is true and the image would run as root (the kubelet refuses it)."""
    own = c.get("securityContext") if isinstance(c.get("securityContext"), dict) else {}
    pod = dep.get(*POD, "securityContext")
    pod = pod if isinstance(pod, dict) else {}

    def eff(key: str) -> Any:
        return own[key] if key in own else pod.get(key)

    uid, gid = eff("runAsUser"), eff("runAsGroup")
    if uid is None and eff("runAsNonRoot") is True:
        name = image_user.split(":")[0].strip()
        if name in ("", "0", "root"):
            raise Unrunnable(f"{dep.ref}: runAsNonRoot is true but neither runAsUser nor the "
                             "image's USER names a non-root user: the kubelet refuses to "
                             "start the container")
        if not name.isdigit():
            raise Unrunnable(f"{dep.ref}: runAsNonRoot is true and the image's USER "
                             f"{name!r} is a name, not a number: the kubelet cannot verify "
                             "it and refuses to start the container (USER 10001)")
    if uid is None:
        return None
    return f"{uid}:{gid}" if gid is not None else str(uid)


def _tmpfs(dep: Doc, c: dict[str, Any]) -> list[str]:
    """The container's mount points of emptyDir volumes."""
    empty = {text(v.get("name")) for v in dep.get(*POD, "volumes") or []
             if isinstance(v, dict) and isinstance(v.get("emptyDir"), dict)}
    return [text(m.get("mountPath")) for m in c.get("volumeMounts") or []
            if isinstance(m, dict) and text(m.get("name")) in empty and text(m.get("mountPath"))]


@requirement("runs-as-deployed")
def test_the_image_answers_its_probes_when_run_as_the_deployment(app: GradedApp,
                                                                 docs: list[Doc]) -> None:
    within = float(app.thresholds["runs-as-deployed"]["ready_within_s"])
    dep = deployments(docs)[0]
    first = next(containers(dep), None)
    if first is None:
        raise AssertionError(f"{dep.ref} has no container")
    path, c = first
    env = environment(dep, path, c, docs)
    asked = probes(dep, path, c)
    if not asked:
        raise AssertionError(f"{dep.ref} {dotted(path)}: no httpGet or tcpSocket probe to ask")
    command = c.get("command") if isinstance(c.get("command"), list) else None
    args = c.get("args") if isinstance(c.get("args"), list) else None
    own = c.get("securityContext") if isinstance(c.get("securityContext"), dict) else {}
    read_only = own.get("readOnlyRootFilesystem") is True
    again = app.start_again(
        asked[0].port, env,
        entrypoint=[expand(text(a), env) for a in command] if command else None,
        command=[expand(text(a), env) for a in args] if args is not None else None,
        user=_user(dep, c, app.image.user), read_only=read_only, tmpfs=_tmpfs(dep, c))
    app.notes.append(f"kata started the image as {dep.ref}'s container {text(c.get('name'))!r}"
                     f" with {len(env)} environment variable(s)"
                     + (", a read-only root filesystem" if read_only else ""))
    began = time.monotonic()
    failing: dict[str, str] = {}
    while True:
        code, oom = again.handle.exit_status()
        if code is not None:
            raise AssertionError(
                f"the container exited with code {code}{' (out of memory)' if oom else ''} "
                f"{time.monotonic() - began:.1f} s after it started" + _output(again))
        failing = {p.kind: why for p in asked if (why := _ask(again, p)) is not None}
        if not failing:
            break
        if time.monotonic() - began > within:
            what = "; ".join(f"{k}: {v}" for k, v in failing.items())
            raise AssertionError(f"{within:.0f} s after it started, {dep.ref}'s probes still "
                                 f"fail ({what})" + _output(again))
        time.sleep(POLL_S)
    app.measure(f"every probe answered {time.monotonic() - began:.1f} s after the start",
                ready_s=round(time.monotonic() - began, 2))
