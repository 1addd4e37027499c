"""The host firewall rule on each of a run's bridges.

Docker lets a container reach the host through its bridge's gateway address, the app's
``internal`` network included, so kata adds an iptables rule per bridge that drops new
connections from it to the host itself: on the app network (bridge ``kt<run>``) and on the
build's (``kb<run>``). Bridge names derive from the run id, so a rule whose network is gone
(a kata stopped between the two removals) is found again and dropped.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time

import docker

IPTABLES_BUSY = 4  # iptables' exit code for a busy xtables lock (dockerd takes it too)
IPTABLES_BUSY_S = 60.0


def _iptables(*args: str) -> bool:
    """Run iptables; a busy lock is retried (bounded), since a rule left behind or never
    added is worse than a wait. False when the command failed for any other reason."""
    if not shutil.which("iptables"):
        return False
    end = time.monotonic() + IPTABLES_BUSY_S
    while True:  # bounded by IPTABLES_BUSY_S
        done = subprocess.run(["iptables", "-w", "10", *args], capture_output=True,
                              check=False, timeout=60)
        if done.returncode != IPTABLES_BUSY or time.monotonic() >= end:
            return done.returncode == 0
        time.sleep(0.2)


def _host_block_rule(bridge: str) -> list[str]:
    return ["INPUT", "-i", bridge, "-m", "conntrack", "!", "--ctstate",
            "ESTABLISHED,RELATED", "-j", "DROP"]


def add_host_block(bridge: str) -> bool:
    return _iptables("-I", *_host_block_rule(bridge))


def drop_host_block(bridge: str) -> None:
    if bridge:
        for _ in range(16):  # one rule per network; a few more if a run was retried
            if not _iptables("-D", *_host_block_rule(bridge)):
                break


def app_bridge(run_id: str) -> str:
    """The bridge name of a run's app network."""
    return f"kt{run_id[:12]}"


def build_bridge(run_id: str) -> str:
    """The bridge name of a run's build network."""
    return f"kb{run_id[:12]}"


def _run_bridges(run_id: str) -> set[str]:
    """The bridge names a run's networks get: the app network's and the build's."""
    return {app_bridge(run_id), build_bridge(run_id)}


def blocked_bridges() -> set[str]:
    """Bridges with a kata host-block rule in the INPUT chain now."""
    if not shutil.which("iptables"):
        return set()
    rules = subprocess.run(["iptables", "-w", "10", "-S", "INPUT"], capture_output=True,
                           text=True, check=False, timeout=60).stdout
    return set(re.findall(r"-i (k[tb][0-9a-f]{12}) .*-j DROP", rules))


def drop_orphan_host_blocks(client: docker.DockerClient, run_id: str | None) -> None:
    """Drop the host blocks whose network is gone. A run cut short between removing a
    network and dropping its rule (a Ctrl-C right after the build network went) leaves
    one; bridge names are derived from the run id, so the rule is found again here."""
    candidates = _run_bridges(run_id) if run_id else blocked_bridges()
    if not candidates:
        return
    # Rules first, networks second: a rule is added only after its network exists, so a
    # concurrent run's fresh rule always finds its network in this later listing.
    live = {(n.attrs.get("Options") or {}).get("com.docker.network.bridge.name")
            for n in client.networks.list()}
    for bridge in sorted(candidates - live):
        drop_host_block(bridge)
