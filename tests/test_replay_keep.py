"""`kata grade --keep` publishes the kept app on 127.0.0.1 and its replays reproduce the
failure there: a learner pastes the printed replay into bash and gets the failing answer.
Graded through the `kata` command, as a learner runs it, against a real mutant."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kata.catalog import load_catalog
from kata.mutants import load_mutants, materialize
from kata.sandbox.docker import connect
from kata.sandbox.housekeeping import LABEL, RUN_LABEL, remove_run

pytestmark = [pytest.mark.docker, pytest.mark.slow]

CATALOG = load_catalog()
KATA = Path(sys.executable).with_name("kata")
KEPT = re.compile(r"kept running \(run ([0-9a-f]+)\): the app answers at (127\.0\.0\.1:\d+)")
KEPT_CLI = re.compile(r"kept \(run ([0-9a-f]+)\): the app's image (kata-app:[0-9a-f]+) and its "
                      r"data volume (kata-[0-9a-f]+-data)")


def _kata(*args: str, state: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "KATA_STATE_DIR": str(state), "NO_COLOR": "1", "COLUMNS": "200",
           "TERM": "dumb"}
    return subprocess.run([str(KATA), *args], capture_output=True, text=True, env=env,
                          timeout=600, check=False)


def _replay(stdout: str, rid: str) -> str:
    """The replay of ``rid`` as printed: a heading and one indented line per step."""
    lines = stdout.splitlines()
    start = lines.index(f"replay {rid}:")
    steps = []
    for line in lines[start + 1:]:
        if not line.startswith("  "):
            break
        steps.append(line.strip())
    return "\n".join(steps)


def _last_body(transcript: str) -> dict:
    """The JSON body of the last answer in a `curl -i` transcript."""
    return json.loads(transcript.rstrip().splitlines()[-1])


@pytest.mark.skipif(shutil.which("curl") is None, reason="the replay is a curl script")
def test_a_kept_mutants_replay_reproduces_its_failure(tmp_path):
    ex = CATALOG.get("rest-api")
    mutant = next(m for m in load_mutants(ex) if m.name == "no-pagination")
    repo = materialize(ex, mutant, tmp_path / "repo")
    done = _kata("grade", "rest-api", str(repo), "--keep", "--only", "pagination",
                 "--no-history", state=tmp_path / "state")
    found = KEPT.search(done.stdout.replace("\n", " "))
    assert found, done.stdout + done.stderr
    run_id, address = found.groups()
    client = connect()
    try:
        assert done.returncode == 1, done.stdout + done.stderr
        replay = _replay(done.stdout, "pagination")
        steps = [s for s in replay.splitlines() if not s.startswith("#")]
        # the state the failure needed (items created, some deleted so ids have gaps, then
        # the windows asked for), not only the last GET, at most 8 steps; every step aimed
        # at the kept app's published address
        assert 2 < len(steps) <= 8, replay
        assert any("-X POST" in s for s in steps) and "-X GET" in steps[-1], replay
        assert all(f"http://{address}/" in s for s in steps if s.startswith("curl")), replay
        assert "localhost" not in replay
        # pasted into bash, the replay gets the failing answer: a window of 2 asked for,
        # every item given
        ran = subprocess.run(["bash", "-c", replay], capture_output=True, text=True,
                             timeout=60, check=False)
        assert ran.returncode == 0, ran.stderr
        assert "limit=2" in steps[-1], replay
        page = _last_body(ran.stdout)
        assert len(page["items"]) > 2, ran.stdout[-2000:]
        # the app, its network and the relay stay until cleaned; nothing else of the run
        kept = client.containers.list(filters={"label": f"{RUN_LABEL}={run_id}"})
        roles = sorted(c.labels.get("kata.role", "") for c in kept)
        assert roles == ["app", "relay", "service:db"] or roles == ["app", "relay"], roles
    finally:
        remove_run(client, run_id)
    assert not client.containers.list(all=True, filters={"label": f"{RUN_LABEL}={run_id}"})
    assert not client.networks.list(filters={"label": f"{RUN_LABEL}={run_id}"})
    assert all(LABEL in (n.attrs.get("Labels") or {}) for n in client.networks.list(
        filters={"label": LABEL}))


def test_a_kept_cli_apps_replay_names_the_kept_image_and_volume(tmp_path):
    ex = CATALOG.get("todo-cli")
    mutant = next(m for m in load_mutants(ex) if m.name == "done-does-nothing")
    repo = materialize(ex, mutant, tmp_path / "repo")
    done = _kata("grade", "todo-cli", str(repo), "--keep", "--only", "done", "--no-history",
                 state=tmp_path / "state")
    found = KEPT_CLI.search(done.stdout)
    assert found, done.stdout + done.stderr
    run_id, image, volume = found.groups()
    client = connect()
    try:
        assert done.returncode == 1, done.stdout + done.stderr
        steps = _replay(done.stdout, "done").splitlines()
        # add two, mark the first done, list: every run on the kept image and volume
        assert [s.split(image)[-1].split()[0] for s in steps] == ["add", "done", "list"], steps
        assert all(f"-v {volume}:/data" in s and "--network none" in s for s in steps), steps
        marked = steps[1].split()[-1]
        ran = subprocess.run(["bash", "-c", "\n".join(steps)], capture_output=True, text=True,
                             timeout=120, check=False)
        assert ran.returncode == 0, ran.stderr
        # the failing answer: the item `done` was run on is still listed as not done
        assert re.search(rf"^{marked} \[ \] sweep floor", ran.stdout, re.M), ran.stdout
    finally:
        remove_run(client, run_id)
    assert not client.volumes.list(filters={"label": f"{RUN_LABEL}={run_id}"})
    assert not [i for i in client.api.images(name="kata-app") if image in (i["RepoTags"] or [])]
