"""Kubernetes manifests that grade a roster: an Indexed Job with one completion per learner
(the pod reads its learner from a ConfigMap by ``JOB_COMPLETION_INDEX``), each pod with a
Docker engine of its own as a native sidecar (kata grades by building and running the
learner's image, and a pod's engine is as isolated as the node allows), reports written to
a shared volume; and a second Job, applied once the first completes, that imports every
report into a leaderboard (each report checked on its own: a learner's pod is not trusted).

The roster reaches the pods as data in a file, never as manifest or script text, and its
values were already checked (kata.plan.roster): a line cannot become shell."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kata.plan import _yaml
from kata.plan.roster import Learner

DIND_IMAGE = "docker:27-dind"  # the engine sidecar; its port is the pod's own loopback
API_VERSION = "1.30.0"  # native sidecars (restartPolicy: Always init containers): 1.29+

# $1 name, $2 repository, $3 ref (may be empty): one tab-separated roster line per index.
GRADE = """\
set -eu
line="$(sed -n "$((JOB_COMPLETION_INDEX + 1))p" "$ROSTER")"
name="$(printf '%s' "$line" | cut -f1)"
repository="$(printf '%s' "$line" | cut -f2)"
ref="$(printf '%s' "$line" | cut -f3)"
test -n "$name" || { echo "no learner at index $JOB_COMPLETION_INDEX of $ROSTER" >&2; exit 2; }
git init -q "$WORKDIR/learner"
git -C "$WORKDIR/learner" fetch -q --depth 1 "https://github.com/$repository" "${ref:-HEAD}"
git -C "$WORKDIR/learner" checkout -q FETCH_HEAD
for _ in $(seq 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
# below the pass mark is a grade like any other: the report is what counts
kata grade "$EXERCISE" "$WORKDIR/learner" --learner "$name" --json "$REPORTS/$name.json" \
  --no-history || test -s "$REPORTS/$name.json"
"""

COLLECT = """\
set -eu
kata leaderboard import "$REPORTS" --db "$REPORTS/cohort.db" || echo "some reports were refused"
kata leaderboard --db "$REPORTS/cohort.db" -o "$REPORTS/board.html"
kata leaderboard --db "$REPORTS/cohort.db" -f markdown
"""


def job_name(exercise: str) -> str:
    return f"kata-cohort-{exercise}"[:52]  # leaves room for the suffixes Kubernetes adds


def roster_file(learners: Sequence[Learner]) -> str:
    return "".join(f"{x.name}\t{x.repository}\t{x.ref}\n" for x in learners)


def _kata(image: str, script: str, exercise: str) -> dict[str, Any]:
    return {
        "name": "kata", "image": image, "command": ["/bin/sh", "-c", script],
        "env": [{"name": "EXERCISE", "value": exercise},
                {"name": "DOCKER_HOST", "value": "tcp://127.0.0.1:2375"},
                {"name": "ROSTER", "value": "/roster/learners.tsv"},
                {"name": "REPORTS", "value": "/reports"},
                {"name": "WORKDIR", "value": "/work"}],
        "volumeMounts": [{"name": "roster", "mountPath": "/roster", "readOnly": True},
                         {"name": "reports", "mountPath": "/reports"}],
        "resources": {"requests": {"cpu": "2", "memory": "4Gi"},
                      "limits": {"memory": "8Gi"}},
    }


def grading(exercise: str, learners: Sequence[Learner], image: str, parallelism: int,
            reports_size: str = "1Gi") -> list[dict[str, Any]]:
    name = job_name(exercise)
    labels = {"app.kubernetes.io/name": "kata", "kata/cohort": exercise}
    dind = {
        "name": "docker", "image": DIND_IMAGE, "restartPolicy": "Always",
        # dockerd needs it: the pod is the sandbox's host, as a CI runner's VM would be
        "securityContext": {"privileged": True},
        "args": ["--host=tcp://127.0.0.1:2375", "--tls=false"],
        "env": [{"name": "DOCKER_TLS_CERTDIR", "value": ""}],
        "volumeMounts": [{"name": "docker", "mountPath": "/var/lib/docker"}],
    }
    return [
        {"apiVersion": "v1", "kind": "ConfigMap",
         "metadata": {"name": f"{name}-roster", "labels": labels},
         "data": {"learners.tsv": roster_file(learners)}},
        {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
         "metadata": {"name": f"{name}-reports", "labels": labels},
         # every grading pod writes here, on any node: a ReadWriteMany storage class
         "spec": {"accessModes": ["ReadWriteMany"],
                  "resources": {"requests": {"storage": reports_size}}}},
        {"apiVersion": "batch/v1", "kind": "Job",
         "metadata": {"name": name, "labels": labels},
         "spec": {
             "completionMode": "Indexed",
             "completions": len(learners),
             "parallelism": min(parallelism, len(learners)),
             "backoffLimitPerIndex": 1,  # one retry per learner; one learner never stops all
             "ttlSecondsAfterFinished": 86400,
             "template": {
                 "metadata": {"labels": labels},
                 "spec": {
                     "restartPolicy": "Never",
                     "activeDeadlineSeconds": 1800,
                     "initContainers": [dind],
                     "containers": [_kata(image, GRADE, exercise)],
                     "volumes": [
                         {"name": "roster", "configMap": {"name": f"{name}-roster"}},
                         {"name": "reports",
                          "persistentVolumeClaim": {"claimName": f"{name}-reports"}},
                         {"name": "docker", "emptyDir": {}},
                     ],
                 },
             },
         }},
    ]


def collecting(exercise: str, image: str) -> list[dict[str, Any]]:
    name = job_name(exercise)
    kata = _kata(image, COLLECT, exercise)
    kata["volumeMounts"] = [{"name": "reports", "mountPath": "/reports"}]
    kata["resources"] = {"requests": {"cpu": "250m", "memory": "256Mi"}}
    return [{
        "apiVersion": "batch/v1", "kind": "Job",
        "metadata": {"name": f"{name}-leaderboard",
                     "labels": {"app.kubernetes.io/name": "kata", "kata/cohort": exercise}},
        "spec": {"backoffLimit": 1, "ttlSecondsAfterFinished": 86400, "template": {"spec": {
            "restartPolicy": "Never", "containers": [kata],
            "volumes": [{"name": "reports",
                         "persistentVolumeClaim": {"claimName": f"{name}-reports"}}]}}},
    }]


def dump(documents: Sequence[dict[str, Any]], head: str) -> str:
    return head + _yaml.dump(documents)
