"""Grader tests of the hostile exercise. Most only ask for a page; what a hostile app does
to kata while they run is what tests/test_hostile*.py assert. ``contained`` and
``outbound`` read the escape app's own account of what it managed."""

from __future__ import annotations

from kata.testing import expect_status, requirement


@requirement("ping")
def test_ping(app):
    r = app.http.get("/ping")
    expect_status(r, 200)
    assert "pong" in r.text, f"GET /ping → expected pong, got {r.text[:80]!r}"


@requirement("work-1")
def test_work_1(app):
    expect_status(app.http.get("/work/1"), 200)


@requirement("work-2")
def test_work_2(app):
    expect_status(app.http.get("/work/2"), 200)


@requirement("work-3")
def test_work_3(app):
    expect_status(app.http.get("/work/3"), 200)


# What the app must not have managed (1 = it did). uid and the markers are just reported;
# setuid and chown are what an image that starts as root is granted (to drop to its user).
REFUSED = ["docker_sock", "docker_api", "open_by_handle", "mount", "mknod",
           "raw_socket", "sysrq", "proc_sys", "sys_write", "host_disk"]
CAP_BITS = {"CHOWN": 0, "DAC_OVERRIDE": 1, "DAC_READ_SEARCH": 2, "FOWNER": 3, "FSETID": 4,
            "KILL": 5, "SETGID": 6, "SETUID": 7}


def granted_mask() -> int:
    from kata.sandbox.containment import ROOT_DROP_CAPS

    return sum(1 << CAP_BITS[c] for c in ROOT_DROP_CAPS)


@requirement("contained")
def test_contained(app):
    r = app.http.get("/report")
    expect_status(r, 200)
    seen = r.json()
    app.measure(**{k: float(v) for k, v in seen.items()})
    got_out = [k for k in REFUSED if seen.get(k) != 0]
    for k in ("cap_eff", "cap_bnd"):  # nothing beyond what dropping root takes
        if seen.get(k, -1) & ~granted_mask():
            got_out.append(f"{k} {seen.get(k):#x}")
    if seen.get("no_new_privs") != 1:
        got_out.append("no_new_privs unset")
    assert not got_out, f"the app managed: {', '.join(got_out)}"


def _targets(app) -> dict[str, tuple[str, int]]:
    """Addresses the test gave the app (DIAL_TARGETS="name=ip:port,…"), and with
    DIAL_GATEWAY_PORT the gateway of the app's own network, looked up from Docker."""
    env = app.handle.env
    targets = {}
    for item in filter(None, env.get("DIAL_TARGETS", "").split(",")):
        name, _, addr = item.partition("=")
        host, _, port = addr.rpartition(":")
        targets[name] = (host, int(port))
    if env.get("DIAL_GATEWAY_PORT"):
        sandbox = app.handle.sandbox
        net = sandbox.client.networks.get(sandbox.network_name)
        gateway = net.attrs["IPAM"]["Config"][0]["Gateway"]
        targets["gateway"] = (gateway.split("/")[0], int(env["DIAL_GATEWAY_PORT"]))
    return targets


@requirement("outbound")
def test_outbound(app):
    reached = []
    for name, (host, port) in _targets(app).items():
        r = app.http.get("/dial", params={"host": host, "port": port})
        expect_status(r, 200)
        ok = bool(r.json()["connected"])
        app.measure(**{f"reached_{name}": float(ok)})
        if ok:
            reached.append(f"{name} ({host}:{port})")
    assert not reached, f"the app reached {', '.join(reached)}"
