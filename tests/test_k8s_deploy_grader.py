"""The k8s-deploy grader's own parts, without Docker: manifests read safely and bounded
(several documents per file, alias bombs refused, a monorepo's folder), each finding
naming the object, the field, file:line and the line, the schema check strict, and the
rules that decide credentials, pinned images and the container's environment. kata verify
and the other-stack solution prove the same with the real engine."""

from __future__ import annotations

import base64
from pathlib import Path
from types import SimpleNamespace

import pytest
from _graders import grader_module

from kata.repofiles import RepoFiles

GRADER = Path(__file__).resolve().parents[1] / "graders" / "k8s_deploy"
REFERENCE = Path(__file__).resolve().parents[1] / "exercises" / "k8s-deploy" / "reference"


def _load(module: str):
    return grader_module("k8s_deploy", module)


m = _load("_manifests")
schema = _load("test_schema")
policy = _load("test_policy")
run = _load("test_run")


def _docs(tmp_path: Path, text: str, context: str = ".") -> list:
    folder = tmp_path / context / "k8s"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "all.yaml").write_text(text)
    return m.load_all(RepoFiles(tmp_path, context))


def _app() -> SimpleNamespace:
    return SimpleNamespace(evidence={})


def test_the_reference_reads_as_six_objects_and_is_valid():
    docs = m.load_all(RepoFiles(REFERENCE))
    assert sorted(d.ref for d in docs) == [
        "ConfigMap/hello-config", "Deployment/hello", "HorizontalPodAutoscaler/hello",
        "Secret/hello-secrets", "Service/hello"]
    assert [schema.check(d) for d in docs] == [None] * 5


def test_documents_of_one_file_in_a_monorepo_folder(tmp_path):
    docs = _docs(tmp_path, "---\nkind: A\n---\n---\nkind: B\n", context="apps/web")
    assert [(d.path, d.index, d.kind) for d in docs] == [("apps/web/k8s/all.yaml", 0, "A"),
                                                         ("apps/web/k8s/all.yaml", 1, "B")]


def test_no_manifest_and_bad_yaml_are_the_learners_failures(tmp_path):
    with pytest.raises(AssertionError, match="no manifest"):
        m.load_all(RepoFiles(tmp_path))
    with pytest.raises(m.ManifestUnreadable, match=r"k8s/all.yaml:2: not valid YAML"):
        _docs(tmp_path, "a: 1\n b: [\n")


def test_an_alias_bomb_is_refused_not_expanded(tmp_path):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [{', '.join(['*' + p] * 10)}]\n"
        for p, c in zip("abcdefg", "bcdefgh", strict=True))
    with pytest.raises(m.ManifestUnreadable, match="aliases|nodes"):
        _docs(tmp_path, bomb)


def test_a_strict_schema_names_the_unknown_field_and_its_line(tmp_path):
    docs = _docs(tmp_path, """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: web:1
          readinesProbe: {httpGet: {path: /, port: 80}}
""")
    finding = schema.check(docs[0])
    assert finding is not None
    assert "readinesProbe" in finding.what
    assert str(finding).startswith("Deployment/web spec.template.spec.containers[0] "
                                   "(k8s/all.yaml:10: `- name: web`)")
    unknown = _docs(tmp_path, "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n")
    assert "has no example.com/v1 Widget" in str(schema.check(unknown[0]))


def test_judge_fails_with_the_first_finding_and_counts_the_others(tmp_path):
    docs = _docs(tmp_path, "kind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 1\n")
    app = _app()
    with pytest.raises(AssertionError) as e:
        m.judge(app, [m.Finding(docs[0], ("spec", "replicas"), "one"),
                      m.Finding(docs[0], ("spec",), "two")])
    assert str(e.value) == ("Deployment/web spec.replicas (k8s/all.yaml:4: `replicas: 1`) — "
                            "one (and 1 more)")
    assert app.evidence["field"] == "spec.replicas"


@pytest.mark.parametrize("key,value,flagged", [
    ("GREETING", "hello", False), ("PORT", "8080", False),
    ("DB_PASSWORD", "hunter2", True), ("JWT_SECRET", "x", True), ("api-key", "abc", True),
    ("TOKEN_TTL", "3600s", False), ("PASSWORD_MIN_LENGTH", "12", False),
    ("DATABASE_URL", "postgres://app:pw@db/app", True),
    ("DATABASE_URL", "postgres://db:5432/app", False),
    ("TLS_KEY", "-----BEGIN RSA PRIVATE KEY-----\nMII", True),
    ("TOKENIZER", "whitespace", False),
])
def test_what_looks_like_a_credential(key, value, flagged):
    assert (policy.secret_looking(key, value) is not None) is flagged


@pytest.mark.parametrize("image,pinned", [
    ("web:1.0.0", True), ("registry:5000/team/web:2", True), ("web", False),
    ("registry:5000/web", False), ("web:latest", False), ("web:LATEST", False), ("", False),
    ("web@sha256:" + "a" * 64, True), ("web@sha256:abc", False),
])
def test_which_images_are_pinned(image, pinned):
    assert (policy.unpinned(image) is None) is pinned


def test_the_environment_is_built_as_the_kubelet_builds_it(tmp_path):
    encoded = base64.b64encode(b"s3cret").decode()
    docs = _docs(tmp_path, f"""\
kind: ConfigMap
metadata: {{name: cfg}}
data: {{MODE: prod, HOST: db}}
---
kind: Secret
metadata: {{name: sec}}
data: {{PASS: {encoded}}}
stringData: {{USER: app}}
---
kind: Deployment
metadata: {{name: web}}
spec:
  template:
    spec:
      containers:
        - name: web
          envFrom:
            - configMapRef: {{name: cfg}}
            - secretRef: {{name: sec}}
              prefix: DB_
          env:
            - {{name: MODE, value: test}}
            - {{name: URL, value: "pg://$(DB_USER)@$(HOST)/$$(X)"}}
            - name: ME
              valueFrom: {{fieldRef: {{fieldPath: metadata.name}}}}
            - name: MISSING
              valueFrom: {{configMapKeyRef: {{name: cfg, key: NOPE, optional: true}}}}
""")
    dep = m.deployments(docs)[0]
    path, c = next(m.containers(dep))
    assert run.environment(dep, path, c, docs) == {
        "MODE": "test", "HOST": "db", "DB_PASS": "s3cret", "DB_USER": "app",
        "URL": "pg://app@db/$(X)", "ME": "app"}
    c["env"].append({"name": "GONE", "valueFrom": {"secretKeyRef": {"name": "sec",
                                                                    "key": "NOPE"}}})
    with pytest.raises(run.Unrunnable, match="has no key 'NOPE': the pod would not start"):
        run.environment(dep, path, c, docs)


def test_run_as_non_root_with_a_root_or_named_image_user_is_refused(tmp_path):
    docs = _docs(tmp_path, """\
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      securityContext: {runAsNonRoot: true}
      containers: [{name: web}]
""")
    dep = m.deployments(docs)[0]
    _, c = next(m.containers(dep))
    assert run._user(dep, c, "10001:10001") is None  # the image's own user, a number
    for user in ("", "root", "app"):
        with pytest.raises(run.Unrunnable, match="refuses"):
            run._user(dep, c, user)
    c["securityContext"] = {"runAsUser": 2000, "runAsGroup": 3000}
    assert run._user(dep, c, "") == "2000:3000"
