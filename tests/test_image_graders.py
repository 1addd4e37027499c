"""What graders of an image (week 4's dockerize) read, on real Docker: the image's
configuration, its container's health, how its PID 1 takes SIGTERM with and without kata's
init, a rebuild that shows which steps reused the cache, and a planted marker found in
the saved image."""

from __future__ import annotations

from pathlib import Path

import pytest

from kata._poll import wait_until
from kata.catalog.models import Limits
from kata.engine import _rebuilder, new_run_id
from kata.repo import open_repo
from kata.sandbox.docker import DockerSandbox, connect
from kata.sandbox.housekeeping import RUN_IMAGE_REPO
from kata.testing import GradedApp

pytestmark = pytest.mark.docker

SERVER = """
import http.server, signal, sys
if len(sys.argv) > 1:  # graceful: SIGTERM ends the server with exit 0
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
http.server.HTTPServer(("0.0.0.0", 8000), http.server.SimpleHTTPRequestHandler).serve_forever()
"""

DOCKERFILE = """FROM python:3.12-slim
COPY deps.txt /deps.txt
RUN cp /deps.txt /deps-installed
COPY . /app
USER 1000
HEALTHCHECK --interval=1s --timeout=2s CMD ["python", "-c", "print('ok')"]
CMD ["python", "/app/server.py", "graceful"]
"""


@pytest.fixture
def sandbox():
    box = DockerSandbox(limits=Limits(), run_id=new_run_id(), client=connect())
    try:
        yield box
    finally:
        box.close()


def _repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "Dockerfile").write_text(DOCKERFILE)
    (repo / "deps.txt").write_text("httpx\n")
    (repo / "server.py").write_text(SERVER)
    (repo / ".env").write_text("API_KEY=kata-marker-5f1e\n")
    return repo


def _build(sandbox: DockerSandbox, repo: Path):
    return sandbox.build(repo, str(repo / "Dockerfile"), 300, lambda line: None)


def test_an_images_configuration_health_and_saved_bytes(sandbox, tmp_path):
    repo = _repo(tmp_path)
    image = _build(sandbox, repo)
    app = GradedApp(handle=sandbox.start_app(image, {}, 8000, init=False), services={}, seed=1)
    facts = app.image
    assert (facts.user, facts.cmd) == ("1000", ["python", "/app/server.py", "graceful"])
    assert facts.healthcheck == ["CMD", "python", "-c", "print('ok')"]
    assert any("cp /deps.txt" in h for h in facts.history)
    assert app.image_facts("python:3.12-slim").size_bytes < facts.size_bytes
    assert wait_until(lambda: app.health() == "healthy", 30, every_s=0.5)
    # .env was copied (no .dockerignore): its text is in a layer, and only there
    found = app.image_contains(image.tag, b"kata-marker-5f1e")
    assert len(found) == 1 and found[0].endswith("layer.tar"), found
    assert app.image_contains(image.tag, b"kata-marker-absent") == []
    stopped = app.stop(timeout_s=10)
    assert (stopped.exit_code, stopped.killed) == (0, False) and stopped.seconds < 5
    assert "exit code 0" in app.notes[-1]


@pytest.mark.parametrize("init,code,killed", [(False, 137, True), (True, 143, False)])
def test_pid_1_without_a_handler_ignores_sigterm_unless_kata_runs_an_init(
        sandbox, tmp_path, init, code, killed):
    repo = _repo(tmp_path)
    (repo / "Dockerfile").write_text(DOCKERFILE.replace(', "graceful"]', "]"))
    app = sandbox.start_app(_build(sandbox, repo), {}, 8000, init=init)
    # a SIGTERM before the init has set up its handling would be ignored by PID 1 either way
    assert wait_until(lambda: bool(app.listening()), 30, every_s=0.2)
    stopped = app.stop(timeout_s=2)
    assert (stopped.exit_code, stopped.killed) == (code, killed)


def test_a_rebuild_adds_files_and_says_which_steps_reused_the_cache(sandbox, tmp_path):
    repo = _repo(tmp_path)
    image = _build(sandbox, repo)
    app = sandbox.start_app(image, {}, 8000)
    rebuild = _rebuilder(sandbox, app, open_repo(repo), 300)
    rebuilt = rebuild({"src/new_module.py": "x = 1\n"})
    assert rebuilt.steps[2].instruction == "RUN cp /deps.txt /deps-installed"
    assert rebuilt.steps[2].cached and not rebuilt.steps[3].cached  # COPY . /app ran again
    assert rebuilt.image.tag.endswith("-rebuild-1")
    assert rebuilt.image.tag != image.tag
    with pytest.raises(ValueError, match="not a path inside"):
        rebuild({"../escape.txt": "x"})
    sandbox.close()
    assert rebuilt.image.tag.startswith(f"{RUN_IMAGE_REPO}:{sandbox.run_id}")
    left = [t for i in sandbox.client.api.images(name=RUN_IMAGE_REPO)
            for t in i["RepoTags"] or [] if sandbox.run_id in t]
    assert left == []  # the run's image and its rebuild went with the run
