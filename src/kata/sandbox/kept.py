"""A run kept with --keep, within reach of this machine's loopback after kata exits.

The app's network stays internal (its outbound traffic is contained as in any grade), so
the app is not published itself: a relay container of kata's own joins the app network
and a second, non-internal network made for this run, and Docker publishes the relay's
port on 127.0.0.1 only. The relay dials the app by its container name, so it follows the
app across restarts. It runs kata's code, never the learner's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kata.errors import KataError

if TYPE_CHECKING:
    from kata.sandbox.app import DockerApp
    from kata.sandbox.docker import DockerSandbox

RELAY_IMAGE = "python:3.12-slim"  # one of `kata images`; it runs only the relay below
RELAY = """
import socket, sys, threading
name, port = sys.argv[1], int(sys.argv[2])
def pipe(a, b):
    try:
        while data := a.recv(65536):
            b.sendall(data)
    except OSError:
        pass
    try:
        b.shutdown(socket.SHUT_WR)
    except OSError:
        pass
server = socket.create_server(("0.0.0.0", port))
while True:
    client, _ = server.accept()
    try:
        app = socket.create_connection((name, port), timeout=10)
        app.settimeout(None)
    except OSError:
        client.close()
        continue
    try:
        for a, b in ((client, app), (app, client)):
            threading.Thread(target=pipe, args=(a, b), daemon=True).start()
    except RuntimeError:  # out of threads (its pids limit): drop this one, keep serving
        client.close()
        app.close()
"""


def publish(sandbox: DockerSandbox, app: DockerApp) -> None:
    """Publish a kept server app on a free 127.0.0.1 port and set ``app.published``."""
    sandbox.require_image(RELAY_IMAGE)
    client, name = sandbox.client, f"kata-{sandbox.run_id}-publish"
    with sandbox.scope.making():
        client.networks.create(name, driver="bridge", labels=sandbox.scope.labels)
        relay = client.containers.create(
            RELAY_IMAGE, ["python3", "-c", RELAY, f"kata-{sandbox.run_id}-app", str(app.port)],
            name=f"kata-{sandbox.run_id}-relay",
            labels={**sandbox.scope.labels, "kata.role": "relay"},
            network=name,
            ports={f"{app.port}/tcp": ("127.0.0.1", None)},  # Docker picks a free port
            mem_limit="64m", pids_limit=64, cap_drop=["ALL"],
            security_opt=["no-new-privileges"], detach=True,
        )
    client.networks.get(sandbox.network_name).connect(relay)
    relay.start()
    relay.reload()
    bound = (relay.attrs["NetworkSettings"]["Ports"] or {}).get(f"{app.port}/tcp") or []
    if not bound:
        raise KataError("Docker did not publish the kept app's relay on 127.0.0.1",
                        "grade again without --keep, or check `docker info`")
    app.published = f"127.0.0.1:{bound[0]['HostPort']}"
