"""The policies a production Deployment keeps, each one requirement, each failure naming
the object, the field and its line: replicas, probes, requests and limits, a locked-down
securityContext, a Service that selects the pods, settings and credentials kept apart, an
HPA on CPU, pinned images."""

from __future__ import annotations

import re
from typing import Any

from kata.testing import GradedApp, requirement

from ._manifests import POD, PROBES, Doc, Finding, containers, deployments, judge, of_kind, text

HANDLERS = ("httpGet", "tcpSocket", "exec", "grpc")


@requirement("replicas")
def test_the_deployment_runs_at_least_two_replicas(app: GradedApp, docs: list[Doc]) -> None:
    findings = []
    for dep in deployments(docs):
        replicas = dep.get("spec", "replicas")
        if replicas is None:
            findings.append(Finding(dep, ("spec",), "spec.replicas is not set: one pod"))
        elif isinstance(replicas, bool) or not isinstance(replicas, int) or replicas < 2:
            findings.append(Finding(dep, ("spec", "replicas"),
                                    f"{text(replicas) or replicas!r} replica(s): at least 2"))
    judge(app, findings)


@requirement("probes")
def test_every_container_has_readiness_and_liveness_probes(app: GradedApp,
                                                           docs: list[Doc]) -> None:
    findings = []
    for dep in deployments(docs):
        for path, c in containers(dep):
            for probe in PROBES:
                value = c.get(probe)
                if not isinstance(value, dict):
                    findings.append(Finding(dep, path, f"container {text(c.get('name'))!r} "
                                                       f"has no {probe}"))
                elif not any(isinstance(value.get(h), dict) for h in HANDLERS):
                    findings.append(Finding(dep, (*path, probe),
                                            f"{probe} has no httpGet, tcpSocket, exec or grpc"))
    judge(app, findings)


@requirement("resources")
def test_every_container_requests_and_limits_cpu_and_memory(app: GradedApp,
                                                            docs: list[Doc]) -> None:
    findings = []
    for dep in deployments(docs):
        for path, c in containers(dep):
            res = c.get("resources")
            for group in ("requests", "limits"):
                values = res.get(group) if isinstance(res, dict) else None
                for name in ("cpu", "memory"):
                    if not isinstance(values, dict) or not text(values.get(name)):
                        at = (*path, "resources", group) if isinstance(values, dict) else (
                            (*path, "resources") if isinstance(res, dict) else path)
                        findings.append(Finding(dep, at, f"no resources.{group}.{name} on "
                                                         f"container {text(c.get('name'))!r}"))
    judge(app, findings)


def _effective(dep: Doc, c: dict[str, Any], key: str) -> Any:
    """A securityContext field as the kubelet applies it: the container's over the pod's."""
    own = c.get("securityContext")
    if isinstance(own, dict) and key in own:
        return own[key]
    pod = dep.get(*POD, "securityContext")
    return pod.get(key) if isinstance(pod, dict) else None


@requirement("security-context")
def test_every_container_is_non_root_unprivileged_and_read_only(app: GradedApp,
                                                                docs: list[Doc]) -> None:
    findings = []
    for dep in deployments(docs):
        for path, c in containers(dep, init=True):
            name = text(c.get("name"))
            sc = (*path, "securityContext")
            here = sc if isinstance(c.get("securityContext"), dict) else path
            user = _effective(dep, c, "runAsUser")
            if user == 0 or (_effective(dep, c, "runAsNonRoot") is not True
                             and not (isinstance(user, int) and user > 0)):
                findings.append(Finding(dep, here, f"container {name!r} may run as root: set "
                                                   "runAsNonRoot: true (and a non-zero "
                                                   "runAsUser)"))
            own = c.get("securityContext") if isinstance(c.get("securityContext"), dict) else {}
            if own.get("allowPrivilegeEscalation") is not False:
                findings.append(Finding(dep, (*sc, "allowPrivilegeEscalation") if
                                        "allowPrivilegeEscalation" in own else here,
                                        f"container {name!r}: allowPrivilegeEscalation is not "
                                        "false"))
            if own.get("privileged") is True:
                findings.append(Finding(dep, (*sc, "privileged"),
                                        f"container {name!r} is privileged"))
            if own.get("readOnlyRootFilesystem") is not True:
                findings.append(Finding(dep, (*sc, "readOnlyRootFilesystem") if
                                        "readOnlyRootFilesystem" in own else here,
                                        f"container {name!r}: readOnlyRootFilesystem is not "
                                        "true"))
    judge(app, findings)


def _port_names(dep: Doc) -> set[str]:
    """The containerPort numbers and port names of the Deployment's containers."""
    found = set()
    for _, c in containers(dep):
        for p in c.get("ports") or []:
            if isinstance(p, dict):
                found |= {text(p.get("containerPort")), text(p.get("name"))} - {""}
    return found


def _selects(svc: Doc, dep: Doc) -> bool:
    selector = svc.get("spec", "selector")
    labels = dep.get("spec", "template", "metadata", "labels")
    return (isinstance(selector, dict) and bool(selector) and isinstance(labels, dict)
            and all(text(labels.get(k)) == text(v) for k, v in selector.items()))


@requirement("service")
def test_a_service_selects_the_pods_and_targets_their_port(app: GradedApp,
                                                           docs: list[Doc]) -> None:
    services = of_kind(docs, "Service")
    findings = []
    for dep in deployments(docs):
        labels = dep.get("spec", "template", "metadata", "labels")
        mine = [s for s in services if _selects(s, dep)]
        if not mine:
            if not services:
                findings.append(Finding(dep, (), "no Service in k8s/ selects its pods"))
            for svc in services:
                findings.append(Finding(svc, ("spec", "selector"),
                                        f"selects {svc.get('spec', 'selector')!r}, but the "
                                        f"pods of {dep.ref} are labelled {labels!r}"))
            continue
        ports = _port_names(dep)
        for svc in mine:
            for i, p in enumerate(svc.get("spec", "ports") or []):
                if not isinstance(p, dict):
                    continue
                target = text(p.get("targetPort", p.get("port")))
                if target not in ports:
                    at = "targetPort" if "targetPort" in p else "port"
                    findings.append(Finding(svc, ("spec", "ports", i, at),
                                            f"targets {target!r}, which no container of "
                                            f"{dep.ref} declares (ports: "
                                            f"{', '.join(sorted(ports)) or 'none'})"))
    judge(app, findings)


# A credential by its key's name (DB_PASSWORD, JWT_SECRET, API_KEY, GITHUB_TOKEN) …
SECRET_NAME = re.compile(r"(^|[_.-])(pass(word)?|passwd|pwd|secret|token|api[_.-]?key|"
                         r"access[_.-]?key|private[_.-]?key|credentials?)($|[_.-])", re.I)
# … or by its value: a URL with a password, a private key, well-known token shapes.
SECRET_VALUE = re.compile(r"://[^/\s:@]+:[^/\s@]+@|-----BEGIN [A-Z ]*PRIVATE KEY-----|"
                          r"\bAKIA[0-9A-Z]{16}\b|\bgh[pousr]_[A-Za-z0-9]{30,}|"
                          r"\bsk_live_[A-Za-z0-9]{16,}|\bxox[bpa]-[A-Za-z0-9-]{10,}")
PLAIN = re.compile(r"^(\d+[a-z]*|true|false|)$", re.I)  # a number, a duration, a flag


def secret_looking(key: str, value: str) -> str | None:
    """Why ``key: value`` looks like a credential, or None."""
    if SECRET_VALUE.search(value):
        return "its value looks like a credential (a password in a URL, a key, a token)"
    if SECRET_NAME.search(key) and not PLAIN.match(value.strip()):
        return f"{key} names a credential"
    return None


def _refs(dep: Doc) -> tuple[list[tuple[str, Any, str, str]], list[tuple[str, Any, str, str]]]:
    """(kind, path, name, key) of each ConfigMap and each Secret the containers read: from
    envFrom (key ""), env valueFrom, and configMap/secret volumes (key "")."""
    cms: list[tuple[str, Any, str, str]] = []
    secrets: list[tuple[str, Any, str, str]] = []
    for path, c in containers(dep, init=True):
        for i, src in enumerate(c.get("envFrom") or []):
            if isinstance(src, dict):
                for field_, into in (("configMapRef", cms), ("secretRef", secrets)):
                    ref = src.get(field_)
                    if isinstance(ref, dict) and ref.get("optional") is not True:
                        into.append((field_, (*path, "envFrom", i, field_),
                                     text(ref.get("name")), ""))
        for i, var in enumerate(c.get("env") or []):
            vf = var.get("valueFrom") if isinstance(var, dict) else None
            if isinstance(vf, dict):
                for field_, into in (("configMapKeyRef", cms), ("secretKeyRef", secrets)):
                    ref = vf.get(field_)
                    if isinstance(ref, dict) and ref.get("optional") is not True:
                        into.append((field_, (*path, "env", i, "valueFrom", field_),
                                     text(ref.get("name")), text(ref.get("key"))))
    for i, vol in enumerate(dep.get(*POD, "volumes") or []):
        if isinstance(vol, dict):
            if isinstance(vol.get("configMap"), dict):
                cms.append(("configMap", (*POD, "volumes", i, "configMap"),
                            text(vol["configMap"].get("name")), ""))
            if isinstance(vol.get("secret"), dict):
                secrets.append(("secret", (*POD, "volumes", i, "secret"),
                                text(vol["secret"].get("secretName")), ""))
    return cms, secrets


def keys_of(doc: Doc) -> set[str]:
    keys: set[str] = set()
    for group in ("data", "stringData", "binaryData"):
        values = doc.get(group)
        if isinstance(values, dict):
            keys |= {str(k) for k in values}
    return keys


@requirement("config-secret")
def test_settings_come_from_a_configmap_and_credentials_from_a_secret(
        app: GradedApp, docs: list[Doc]) -> None:
    findings = []
    defined = {kind: {d.name: d for d in of_kind(docs, kind)} for kind in ("ConfigMap", "Secret")}
    for dep in deployments(docs):
        cms, secrets = _refs(dep)
        for kind, refs in (("ConfigMap", cms), ("Secret", secrets)):
            if not refs:
                findings.append(Finding(dep, (*POD, "containers"),
                                        f"no container reads a {kind} (envFrom, env "
                                        "valueFrom or a volume)"))
            for _, path, name, key in refs:
                doc = defined[kind].get(name)
                if doc is None:
                    findings.append(Finding(dep, path, f"the {kind} {name!r} is not in k8s/: "
                                                       "the pod would not start"))
                elif key and key not in keys_of(doc):
                    findings.append(Finding(dep, path, f"the {kind} {name!r} has no key "
                                                       f"{key!r}: the pod would not start"))
    for cm in of_kind(docs, "ConfigMap"):
        data = cm.get("data")
        for key, value in (data.items() if isinstance(data, dict) else []):
            if (why := secret_looking(str(key), text(value))) is not None:
                findings.append(Finding(cm, ("data", key), f"a credential in a ConfigMap: "
                                                           f"{why}; put it in a Secret"))
    for dep in deployments(docs):
        for path, c in containers(dep, init=True):
            for i, var in enumerate(c.get("env") or []):
                if isinstance(var, dict) and "value" in var:
                    why = secret_looking(text(var.get("name")), text(var.get("value")))
                    if why is not None:
                        findings.append(Finding(dep, (*path, "env", i, "value"),
                                                f"a credential written as an env literal: "
                                                f"{why}; read it from a Secret"))
    judge(app, findings)


@requirement("hpa")
def test_an_hpa_scales_the_deployment_on_cpu(app: GradedApp, docs: list[Doc]) -> None:
    hpas = of_kind(docs, "HorizontalPodAutoscaler")
    findings = []
    for dep in deployments(docs):
        mine = [h for h in hpas if text(h.get("spec", "scaleTargetRef", "kind")) == "Deployment"
                and text(h.get("spec", "scaleTargetRef", "name")) == dep.name]
        if not mine:
            others = ", ".join(f"{h.ref} -> {text(h.get('spec', 'scaleTargetRef', 'kind'))}/"
                               f"{text(h.get('spec', 'scaleTargetRef', 'name'))}" for h in hpas)
            findings.append(Finding(dep, ("metadata", "name"),
                                    "no HorizontalPodAutoscaler scales this Deployment"
                                    + (f" (found {others})" if others else "")))
            continue
        for h in mine:
            if text(h.get("apiVersion")) != "autoscaling/v2":
                findings.append(Finding(h, ("apiVersion",), "use autoscaling/v2"))
                continue
            low, high = h.get("spec", "minReplicas"), h.get("spec", "maxReplicas")
            if not isinstance(low, int) or low < 2:
                findings.append(Finding(h, ("spec", "minReplicas") if low is not None
                                        else ("spec",), "minReplicas below 2 (unset is 1)"))
            elif not isinstance(high, int) or high <= low:
                findings.append(Finding(h, ("spec", "maxReplicas"),
                                        "maxReplicas is not above minReplicas"))
            metrics = h.get("spec", "metrics") or []
            cpu = [m for m in metrics if isinstance(m, dict) and text(m.get("type")) == "Resource"
                   and isinstance(m.get("resource"), dict)
                   and text(m["resource"].get("name")) == "cpu"
                   and isinstance(m["resource"].get("target"), dict)
                   and text(m["resource"]["target"].get("type")) == "Utilization"
                   and isinstance(m["resource"]["target"].get("averageUtilization"), int)]
            if not cpu:
                findings.append(Finding(h, ("spec", "metrics") if metrics else ("spec",),
                                        "no Resource metric on cpu with a Utilization target "
                                        "(averageUtilization)"))
    judge(app, findings)


DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")


def unpinned(image: str) -> str | None:
    """Why ``image`` is not pinned, or None."""
    if DIGEST.search(image):
        return None
    last = image.rsplit("/", 1)[-1]
    if not image:
        return "no image"
    if "@" in image:
        return f"{image!r}: a digest is @sha256: and 64 hex digits"
    if ":" not in last:
        return f"{image!r} has no tag: it is :latest"
    tag = last.rsplit(":", 1)[1]
    if tag.lower() == "latest":
        return f"{image!r} is :latest, which moves: pin a version tag or a digest"
    return None


@requirement("image-pinned")
def test_every_image_is_pinned(app: GradedApp, docs: list[Doc]) -> None:
    judge(app, [Finding(dep, (*path, "image"), why)
                for dep in deployments(docs) for path, c in containers(dep, init=True)
                if (why := unpinned(text(c.get("image")).strip())) is not None])
