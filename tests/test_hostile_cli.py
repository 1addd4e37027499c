"""Broken repositories and a broken machine, through the ``kata`` command as a learner runs
it: one clear message, the documented exit code, never a Python traceback."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from hostile.support import (  # noqa: F401  (hostile_session: the end-of-session check)
    REPOS,
    RUNS,
    hostile_session,
    no_traceback,
    run_kata,
    start_kata,
    verdict,
    wait_gone,
)

from kata.errors import ExitCode

pytestmark = [pytest.mark.docker]


def _empty(tmp_path: Path) -> Path:
    (tmp_path / "empty").mkdir()
    return tmp_path / "empty"


def _a_file(tmp_path: Path) -> Path:
    (tmp_path / "notes.txt").write_text("not a repository\n")
    return tmp_path / "notes.txt"


def _kata_toml_linked_out(tmp_path: Path) -> Path:
    """kata.toml a link to a file outside the repository (its secret must not be read)."""
    (tmp_path / "outside.toml").write_text('dockerfile = "kata-hostile-secret-path"\n')
    repo = tmp_path / "linked"
    repo.mkdir()
    (repo / "Dockerfile").write_text((REPOS / "well" / "Dockerfile").read_text())
    (repo / "kata.toml").symlink_to(tmp_path / "outside.toml")
    return repo


def _kata_toml_wrong_type(tmp_path: Path) -> Path:
    (tmp_path / "typed").mkdir()
    (tmp_path / "typed" / "kata.toml").write_text("dockerfile = 5\n")
    return tmp_path / "typed"


# case -> (repo, exit code, phrase in the output, extra environment)
CASES = {
    "no-dockerfile": (lambda t: REPOS / "no-dockerfile", ExitCode.REPO,
                      "no Dockerfile in the repository", {}),
    "empty-repo": (_empty, ExitCode.REPO, "no Dockerfile in the repository", {}),
    "path-is-a-file": (_a_file, ExitCode.REPO, "is not a folder", {}),
    "path-does-not-exist": (lambda t: t / "nowhere", ExitCode.USAGE, "does not exist", {}),
    "dockerfile-syntax-error": (lambda t: REPOS / "syntax-error", ExitCode.REPO,
                                "unknown instruction: RUNN", {}),
    "kata-toml-linked-out": (_kata_toml_linked_out, ExitCode.REPO,
                             "kata.toml is a link to a file outside the repository", {}),
    "kata-toml-wrong-type": (_kata_toml_wrong_type, ExitCode.USAGE,
                             "`dockerfile` must be a file path (a string), not 5", {}),
    "docker-unreachable": (lambda t: REPOS / "well", ExitCode.ENVIRONMENT,
                           "Docker is not reachable at unix:///nonexistent.sock",
                           {"DOCKER_HOST": "unix:///nonexistent.sock"}),
}


@pytest.mark.parametrize("case", list(CASES))
def test_clear_message_and_exit_code(case, tmp_path):
    repo, code, phrase, env = CASES[case]
    start = time.monotonic()
    done = run_kata("grade", "hostile", str(repo(tmp_path)), "--only", "boot", timeout_s=60,
                    **env)
    took = time.monotonic() - start
    said = " ".join((done.stdout + done.stderr).split())  # rich wraps long lines
    no_traceback(done.stdout, done.stderr)
    assert done.returncode == code, f"exit {done.returncode}, wanted {code}:\n{said}"
    assert phrase in said, said
    assert "kata-hostile-secret-path" not in said, said  # a file linked out is never read
    assert took < 10, f"{case} took {took:.1f} s"
    verdict(case, f"exit {done.returncode} ({code.name}): {phrase}", took)


def test_two_gradings_at_once_do_not_collide(tmp_path):
    """The same repo graded twice at the same moment: different runs, networks and
    containers, both complete with full marks, nothing left."""
    ids = ["boot", "ping", "work-1", "work-2"]  # 4 of 7 points: passed (exit 0)
    only = [arg for rid in ids for arg in ("--only", rid)]
    start = time.monotonic()
    procs = [start_kata(tmp_path, "grade", "hostile", str(REPOS / "slow"), *only,
                        "--json", str(tmp_path / f"r{i}.json")) for i in (0, 1)]
    networks: dict[int, set[str]] = {0: set(), 1: set()}

    def both_running() -> bool:
        for i, p in enumerate(procs):
            p.labels()
            networks[i] |= p.networks()
        return all(networks.values())

    procs[0].wait_for(both_running, 60, "two gradings running side by side")
    codes = [p.finish(90) for p in procs]
    took = time.monotonic() - start
    for p in procs:
        no_traceback(p.stderr)
    assert codes == [ExitCode.PASSED, ExitCode.PASSED], [p.stderr for p in procs]
    reports = [json.loads((tmp_path / f"r{i}.json").read_text()) for i in (0, 1)]
    runs = {r["run"]["id"] for r in reports}
    assert len(runs) == 2 and runs == procs[0].runs | procs[1].runs, (runs, procs[0].runs)
    assert networks[0].isdisjoint(networks[1]), networks
    for r in reports:
        assert [q["status"] for q in r["requirements"] if q["id"] in ids] == ["pass"] * 4
    RUNS.update(runs)
    assert not wait_gone(runs)
    assert took < 50, f"took {took:.1f} s"  # ~17 s here: boot 4 s + two 5 s requests
    verdict("two-gradings-at-once", f"both exit 0, runs {' / '.join(sorted(runs))}, "
            "networks distinct", took)
