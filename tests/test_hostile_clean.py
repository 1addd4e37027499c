"""`kata clean` removes only what its own state directory's kata kept or orphaned (unless
--all), and says what it removed: a clean elsewhere on the machine (another user, another
test session) must not take a run someone kept to look at."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import pytest
from hostile.support import (  # noqa: F401  (hostile_session: the end-of-session check)
    REPOS,
    RUNS,
    client,
    hostile_session,
    no_traceback,
    run_kata,
    verdict,
    wait_gone,
)

from kata.sandbox.housekeeping import PID_LABEL, RUN_LABEL, STATE_LABEL, remove_run

pytestmark = [pytest.mark.docker, pytest.mark.slow]


def _kept_runs(state: Path) -> set[str]:
    mine = hashlib.sha256(str(state.resolve()).encode()).hexdigest()[:16]
    return {(x.attrs.get("Labels") or {}).get(RUN_LABEL, "") for x in client().containers.list(
        all=True, sparse=True, filters={"label": [f"{PID_LABEL}=kept", f"{STATE_LABEL}={mine}"]})}


def test_clean_keeps_to_its_own_state_directory(tmp_path: Path):
    owner, other = tmp_path / "owner-state", tmp_path / "other-state"
    start = time.monotonic()
    done = run_kata("grade", "hostile", str(REPOS / "well"), "--only", "boot", "--keep",
                    timeout_s=120, KATA_STATE_DIR=str(owner))
    kept = _kept_runs(owner)
    RUNS.update(kept)
    try:
        assert done.returncode in (0, 1), done.stderr[-2000:]  # graded (below the mark)
        assert len(kept) == 1, kept
        elsewhere = run_kata("clean", timeout_s=60, KATA_STATE_DIR=str(other))
        no_traceback(elsewhere.stdout, elsewhere.stderr)
        assert elsewhere.returncode == 0, elsewhere.stderr
        assert "no kept or orphaned runs of this state directory" in elsewhere.stdout, \
            elsewhere.stdout
        assert _kept_runs(owner) == kept, "a clean of another state directory took the run"
        own = run_kata("clean", timeout_s=60, KATA_STATE_DIR=str(owner))
        no_traceback(own.stdout, own.stderr)
        (run,) = kept
        assert own.returncode == 0, own.stderr
        assert f"removed 1 run(s) of this state directory: {run}" in " ".join(
            own.stdout.split()), own.stdout
        assert not wait_gone(kept)
    finally:
        for run in kept:
            remove_run(client(), run)
    verdict("clean: other state dir", "kept run untouched by another state directory's "
            "clean; removed and named by its own", time.monotonic() - start)


def test_a_run_removed_after_its_network_went_drops_the_host_block():
    """A Ctrl-C between removing the build network and dropping its iptables rule once left
    the rule behind (CI: 'iptables INPUT rule for kb…'); removing the run drops it, since
    the bridge name is the run's."""
    from kata.sandbox.hostblock import add_host_block, blocked_bridges

    run = "0ddba11c0ffee0"
    bridge = f"kb{run[:12]}"
    assert add_host_block(bridge), "iptables could not add the rule"
    try:
        assert bridge in blocked_bridges()
        remove_run(client(), run)  # no network, no container: only the rule remains
        assert bridge not in blocked_bridges()
    finally:
        remove_run(client(), run)


def test_the_next_run_drops_a_host_block_whose_network_is_gone():
    """The rule of a kata killed outright (SIGKILL) between the two removals names no live
    network and carries no label; the next run's reaping still finds and drops it."""
    from kata.sandbox.hostblock import add_host_block, blocked_bridges
    from kata.sandbox.housekeeping import reap_orphans

    bridge = "kt0ddba11c0fef"
    assert add_host_block(bridge), "iptables could not add the rule"
    try:
        reap_orphans(client())
        assert bridge not in blocked_bridges()
    finally:
        remove_run(client(), "0ddba11c0fef")
