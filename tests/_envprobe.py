"""A throwaway exercise that grades fast and looks at what reaches the learner's app.

``env-probe``'s app (python:3.12-slim + a stdlib http.server) shows the grader its
environment, says whether a path exists in its container, and writes where it is told.
Its grader (run by kata, in kata's own process) checks that:
* ``env-isolated`` — none of the runner's secrets in kata's environment (GITHUB_TOKEN,
  ACTIONS_* tokens, a secret) reached the app, by name or by value; the app has the
  variables the exercise declares (PORT, its [app] env, its Redis service's URL); and
  nothing else beyond what its image defines;
* ``report-unreachable`` — the app cannot see the report path kata writes (nor its
  folder), while it does see its own files; it writes "FORGED" at that path in its own
  file system, which the test then checks never reached kata's report;
* ``teapot`` — fails on purpose (200, not 418), with a message holding ``%``, a newline
  and a forged workflow command, so there is an annotation to check.
Scores 80 of 100 (boot 10, env 40, report 30; teapot's 20 lost); the pass mark is 70.
"""

from __future__ import annotations

import secrets
from pathlib import Path

SECRETS = {
    "GITHUB_TOKEN": "ghs_" + secrets.token_hex(16),
    "ACTIONS_RUNTIME_TOKEN": "rt_" + secrets.token_hex(16),
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "idt_" + secrets.token_hex(16),
    "KATA_FAKE_SECRET": "s3cr3t_" + secrets.token_hex(16),
}

EXERCISE = """\
id = "env-probe"
version = "1.0.0"
week = 1
title = "Environment probe"
pass_mark = 70

[app]
kind = "server"
port = 8000
readiness = { probe = "http", path = "/health", expect_status = 200, timeout_s = 60 }
env = { KATA_DECLARED = "declared-value" }

[services.cache]
image = "redis:7"
ready = ["redis-cli", "ping"]
exports = { REDIS_URL = "redis://{host}:6379/0" }

[limits]
build_timeout_s = 300

[[requirements]]
id = "boot"
title = "Builds, starts and answers GET /health"
points = 10
grader = "boot"

[[requirements]]
id = "env-isolated"
title = "The app gets only the environment the exercise declares"
points = 40
grader = "contract"

[[requirements]]
id = "report-unreachable"
title = "The app cannot see or touch kata's report"
points = 30
grader = "contract"

[[requirements]]
id = "teapot"
title = "GET /teapot answers 418"
points = 20
grader = "contract"
hint = "Answer 418 I'm a teapot."
"""

GRADER = '''\
import os

import docker

from kata.testing import expect_status, requirement

RUNNER_SECRETS = ("GITHUB_TOKEN", "ACTIONS_RUNTIME_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
                  "KATA_FAKE_SECRET")


@requirement("env-isolated")
def test_only_declared_environment(app):
    mine = {k: os.environ.get(k, "") for k in RUNNER_SECRETS}
    missing = [k for k, v in mine.items() if not v]
    assert not missing, f"test setup: kata's own environment lacks {missing}"
    r = app.http.get("/env")
    expect_status(r, 200)
    seen = r.json()
    by_name = [k for k in RUNNER_SECRETS if k in seen]
    by_value = [k for k, v in mine.items() if any(v in str(x) for x in seen.values())]
    assert not by_name and not by_value, f"leaked into the app: {by_name} {by_value}"
    assert seen.get("KATA_DECLARED") == "declared-value", f"declared variable missing: {seen}"
    assert seen.get("PORT") == "8000", f"PORT missing: {seen}"
    assert seen.get("REDIS_URL") == "redis://cache:6379/0", f"service URL missing: {seen}"
    image = docker.from_env().images.get(app.handle.image.tag)
    allowed = {"PORT", "KATA_DECLARED", "REDIS_URL", "HOSTNAME", "HOME"}
    allowed |= {e.split("=", 1)[0] for e in image.attrs["Config"]["Env"] or []}
    extra = sorted(set(seen) - allowed)
    assert not extra, f"the app got variables the exercise does not declare: {extra}"


@requirement("report-unreachable")
def test_report_out_of_reach(app):
    report = os.environ.get("KATA_PROBE_REPORT", "")
    assert report and os.path.exists(report), "test setup: KATA_PROBE_REPORT must exist here"
    own = app.http.get("/probe", params={"path": "/srv/probe.py"}).json()
    assert own["exists"], "control: the app must see its own files"
    for path in (report, os.path.dirname(report)):
        assert not app.http.get("/probe", params={"path": path}).json()["exists"], (
            f"the app can see {path}")
    r = app.http.post("/write", params={"path": report})
    expect_status(r, 200)


@requirement("teapot")
def test_teapot(app):
    expect_status(app.http.get("/teapot"), 418)
'''

APP = '''\
import json
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


class Probe(BaseHTTPRequestHandler):
    def reply(self, status, body, ctype="application/json"):
        data = body.encode()
        self.send_response(status)
        self.send_header("content-type", ctype)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path == "/health":
            self.reply(200, "{}")
        elif url.path == "/env":
            self.reply(200, json.dumps(dict(os.environ)))
        elif url.path == "/probe":
            self.reply(200, json.dumps({"exists": os.path.exists(query["path"])}))
        elif url.path == "/teapot":
            self.reply(200, "I am 100% a coffee pot\\n::error title=forged::from the app",
                       "text/plain")
        else:
            self.reply(404, "{}")

    def do_POST(self):
        url = urlparse(self.path)
        path = parse_qs(url.query)["path"][0]
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write("FORGED")
        self.reply(200, "{}")

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("0.0.0.0", int(os.environ["PORT"])), Probe).serve_forever()
'''

DOCKERFILE = """\
FROM python:3.12-slim
COPY probe.py /srv/probe.py
CMD ["python", "-u", "/srv/probe.py"]
"""


def write_home(home: Path) -> Path:
    (home / "exercises" / "env-probe").mkdir(parents=True)
    (home / "exercises" / "env-probe" / "exercise.toml").write_text(EXERCISE)
    (home / "graders" / "env_probe").mkdir(parents=True)
    (home / "graders" / "env_probe" / "test_probe.py").write_text(GRADER)
    return home


def write_repo(repo: Path) -> Path:
    repo.mkdir(parents=True)
    (repo / "Dockerfile").write_text(DOCKERFILE)
    (repo / "probe.py").write_text(APP)
    return repo


def remove_cached_images() -> None:
    """kata keeps each graded repo's image for the next grade; these repos are throwaway."""
    import docker

    client = docker.from_env()
    for image in client.images.list(name="kata-cache/env-probe"):
        try:
            client.images.remove(image.id, force=True)
        except docker.errors.APIError:
            pass
