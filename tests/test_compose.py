"""The compose unit (kata.sandbox.compose): what kata refuses in a learner's compose file
(each field that would break containment, named with its fix), what it plans from a valid
one, and — with the real engine — that every container of the unit is contained as the app
is and that nothing is left after a close or an interrupted grade."""

from __future__ import annotations

import shutil
import signal
import textwrap
from pathlib import Path

import pytest

from kata.catalog.models import Limits
from kata.errors import ComposeRefused, RepoProblem
from kata.sandbox.compose import DNS_OPTIONS, plan_unit
from kata.sandbox.containment import ROOT_DROP_CAPS

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "fixtures" / "compose" / "tiny"
REFERENCE = ROOT / "exercises" / "ecommerce-microservices" / "reference"


def unit(tmp_path: Path, gateway_extra: str = "", top: str = "") -> Path:
    """A repository with a compose file: a built gateway (plus ``gateway_extra`` lines)."""
    (tmp_path / "Dockerfile").write_text("FROM python:3.12-slim\n")
    (tmp_path / "compose.yaml").write_text(
        "services:\n  gateway:\n    build: .\n"
        + textwrap.indent(textwrap.dedent(gateway_extra), "    ") + top)
    return tmp_path


REFUSED = [
    ("network_mode", "network_mode: host\n"),
    ("privileged", "privileged: true\n"),
    ("cap_add", "cap_add: [NET_ADMIN]\n"),
    ("devices", "devices: ['/dev/kmsg:/dev/kmsg']\n"),
    ("pid", "pid: host\n"),
    ("ipc", "ipc: host\n"),
    ("userns_mode", "userns_mode: host\n"),
    ("security_opt", "security_opt: ['seccomp:unconfined']\n"),
    ("ports", "ports: ['8000:8000']\n"),
    ("extra_hosts", "extra_hosts: ['host.docker.internal:host-gateway']\n"),
    ("volumes[0]", "volumes: ['/var/run/docker.sock:/var/run/docker.sock']\n"),
    ("volumes[0]", "volumes: ['../outside:/data']\n"),
    ("volumes[0]", "volumes: [{type: bind, source: /etc, target: /host-etc}]\n"),
    ("build.args", None),
]


@pytest.mark.parametrize("field,lines", REFUSED, ids=[f"{f}-{i}" for i, (f, _) in
                                                       enumerate(REFUSED)])
def test_a_field_that_breaks_containment_is_refused_by_name(tmp_path, field, lines):
    if lines is None:  # build args: kata's builder takes none
        repo = unit(tmp_path)
        (repo / "compose.yaml").write_text(
            "services:\n  gateway:\n    build: {context: ., args: {A: '1'}}\n")
    else:
        repo = unit(tmp_path, lines)
    with pytest.raises(ComposeRefused) as caught:
        plan_unit(repo, "gateway")
    assert f"services.gateway.{field}" in caught.value.message, caught.value.message
    assert caught.value.fix, "a refusal says how to fix it"


@pytest.mark.parametrize("top,field", [
    ("networks:\n  outside:\n    external: true\n", "networks.outside.external"),
    ("volumes:\n  data:\n    driver_opts: {type: none, o: bind, device: /etc}\n",
     "volumes.data.driver_opts"),
    ("volumes:\n  data:\n    external: true\n", "volumes.data.external"),
])
def test_external_networks_and_host_backed_volumes_are_refused(tmp_path, top, field):
    with pytest.raises(ComposeRefused) as caught:
        plan_unit(unit(tmp_path, top=top), "gateway")
    assert field in caught.value.message


def test_an_image_kata_does_not_provide_is_refused(tmp_path):
    repo = unit(tmp_path, top="  cache:\n    image: memcached:1.6\n")
    with pytest.raises(ComposeRefused, match="services.cache.image"):
        plan_unit(repo, "gateway")


def test_a_build_context_outside_the_repository_is_refused(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "compose.yaml").write_text("services:\n  gateway:\n    build: ..\n")
    with pytest.raises(ComposeRefused, match="outside the repository"):
        plan_unit(repo, "gateway")


def test_a_missing_gateway_a_cycle_and_bad_yaml_are_named(tmp_path):
    with pytest.raises(RepoProblem, match="no service 'front'"):
        plan_unit(unit(tmp_path), "front")
    (tmp_path / "compose.yaml").write_text(
        "services:\n  gateway: {build: ., depends_on: [b]}\n  b: {build: ., depends_on: "
        "[gateway]}\n")
    with pytest.raises(ComposeRefused, match="cycle"):
        plan_unit(tmp_path, "gateway")
    (tmp_path / "compose.yaml").write_text("services: [\n")
    with pytest.raises(RepoProblem, match="not valid YAML"):
        plan_unit(tmp_path, "gateway")


def test_an_oversized_compose_file_is_refused_unread(tmp_path):
    (tmp_path / "compose.yaml").write_text("# " + "x" * 300_000 + "\nservices: {}\n")
    with pytest.raises(ComposeRefused, match="larger than"):
        plan_unit(tmp_path, "gateway")


def test_the_plan_swaps_stand_ins_orders_services_and_copies_binds(tmp_path):
    plan = plan_unit(TINY, "gateway")
    names = [s.name for s in plan.services]
    assert names == ["db", "gateway"], "the stand-in first, then what depends on it"
    db, gateway = plan.services
    assert db.build is None and db.image == "postgres:15" and db.ready
    assert db.env["POSTGRES_USER"] == "tiny"  # the learner's own credentials, kept
    assert gateway.env == {"GREETING": "hello"}  # ${GREETING:-hello}
    binds = {m.target: m.source for m in gateway.mounts if m.source}
    assert binds == {"/srv/seed.txt": (TINY / "seed.txt").resolve()}
    assert [m.volume for m in gateway.mounts if m.volume] == ["scratch"]
    assert plan.volumes == ["scratch"]


def test_the_reference_unit_plans_one_build_for_its_five_services():
    plan = plan_unit(REFERENCE, "gateway")
    built = {s.build for s in plan.services if s.build}
    assert len(built) == 1 and len(plan.services) == 6
    assert plan.services[0].name == "db"
    order = [s.name for s in plan.services]
    assert order.index("inventory") < order.index("orders") < order.index("gateway")


# -- with the real engine ------------------------------------------------------------------

@pytest.mark.docker
def test_every_container_of_the_unit_is_contained_and_close_removes_it_all():
    import secrets

    from kata.catalog.models import Readiness
    from kata.readiness import wait_ready
    from kata.sandbox.docker import DockerSandbox, connect
    from kata.sandbox.housekeeping import RUN_LABEL

    client = connect()
    run_id = f"composetest{secrets.token_hex(3)}"
    sandbox = DockerSandbox(limits=Limits(cpus=0.5, memory_mb=128, pids=64),
                            run_id=run_id, client=client)
    try:
        unit_ = sandbox.start_unit(TINY, "gateway", 8000, 300, lambda line: None)
        wait_ready(unit_.app, Readiness(probe="http", path="/", timeout_s=60))
        containers = client.containers.list(filters={"label": f"{RUN_LABEL}={run_id}"})
        roles = {c.labels.get("kata.role"): c for c in containers}
        assert set(roles) == {"unit:gateway", "service:db"}, roles
        assert roles["service:db"].image.tags[0].startswith("postgres:15")
        host = roles["unit:gateway"].attrs["HostConfig"]
        assert host["CapDrop"] == ["ALL"] and host["Privileged"] is False
        assert host["Memory"] == 128 * 2**20 and host["PidsLimit"] == 64
        assert host["NanoCpus"] == int(0.5e9)
        assert not host.get("PortBindings") and host["NetworkMode"] == f"kata-{run_id}"
        assert "no-new-privileges" in host["SecurityOpt"]
        assert host["DnsOptions"] == DNS_OPTIONS
        # the stand-in runs the learner's environment (and could run its command): it is
        # contained too, with only the capabilities dropping to its own user takes
        db_host = roles["service:db"].attrs["HostConfig"]
        assert db_host["CapDrop"] == ["ALL"] and set(db_host["CapAdd"]) == set(ROOT_DROP_CAPS)
        assert db_host["Memory"] == 128 * 2**20 and db_host["PidsLimit"] == 64
        network = client.networks.get(f"kata-{run_id}")
        assert network.attrs["Internal"] is True
        gateway = roles["unit:gateway"]
        assert gateway.exec_run(["cat", "/srv/seed.txt"]).output.startswith(b"a file of")
        got = unit_.app.address
        import httpx

        assert "served from the unit" in httpx.get(f"{got.url}/index.html", timeout=5).text
        # the stand-in kept the learner's credentials
        assert unit_.services["db"].exec(
            ["psql", "-U", "tiny", "-d", "tiny", "-tAc", "select 1"]).stdout.strip() == "1"
        # fault injection: freeze and thaw a service of the unit
        unit_.services["db"].freeze()
        assert client.containers.get(f"kata-{run_id}-db").status == "paused"
        unit_.services["db"].thaw()
    finally:
        sandbox.close()
    label = {"label": f"{RUN_LABEL}={run_id}"}
    assert not client.containers.list(all=True, filters=label)
    assert not client.networks.list(filters=label)
    assert not client.volumes.list(filters=label)


@pytest.mark.docker
@pytest.mark.slow
@pytest.mark.parametrize("phase,signum", [("build", signal.SIGINT), ("contract", signal.SIGTERM)])
def test_an_interrupted_compose_grade_leaves_nothing(tmp_path, phase, signum):
    from hostile.support import start_kata, wait_gone

    from kata.errors import ExitCode

    repo = tmp_path / "repo"
    shutil.copytree(REFERENCE, repo)
    if phase == "build":  # a gateway slow to answer: the grade cannot end before the signal
        # (on a busy machine the whole `--only` grade once ended before this test saw a
        # container), so the signal lands while the unit starts or its gateway boots
        compose = repo / "compose.yaml"
        entry = '    command: ["python", "-m", "services.gateway"]\n'
        assert compose.read_text().count(entry) == 1
        compose.write_text(compose.read_text().replace(entry, (
            '    command: ["sh", "-c", "sleep 30; exec python -m services.gateway"]\n')))
    proc = start_kata(tmp_path, "grade", "ecommerce-microservices", str(repo),
                      "--only", "routing", KATA_HOME=str(ROOT))
    try:
        if phase == "build":  # a unit container exists: interrupt while the unit starts
            proc.wait_for(lambda: any(x.get("kata.role", "").startswith(("unit:", "service:"))
                                      for x in proc.labels()), 300, "the unit's first container")
        else:
            proc.wait_for(lambda: "✔ boot" in proc.stderr and bool(proc.labels()), 300,
                          "the end of boot")
        proc.signal(signum)
        code = proc.finish(within_s=60)
    finally:
        if proc.proc.poll() is None:
            proc.proc.kill()  # this test's own process, by its handle
            proc.proc.wait(10)
    assert code == ExitCode.INTERRUPTED, f"exit {code}:\n{proc.stderr}"
    assert proc.runs, "the test saw the run it interrupted"
    assert not wait_gone(proc.runs), f"left after an interrupted grade: {wait_gone(proc.runs)}"


@pytest.mark.docker
def test_a_refused_compose_file_is_the_learners_problem_and_nothing_runs(tmp_path):
    from test_exercises import grade_folder

    repo = tmp_path / "repo"
    shutil.copytree(REFERENCE, repo)
    compose = repo / "compose.yaml"
    compose.write_text(compose.read_text().replace(
        "    command: [\"python\", \"-m\", \"services.gateway\"]\n",
        "    command: [\"python\", \"-m\", \"services.gateway\"]\n    ports: [\"8000:8000\"]\n", 1))
    report = grade_folder("ecommerce-microservices", repo, only={"routing"})
    assert report.problem is not None and report.problem.kind == "compose-refused"
    assert "services.gateway.ports" in report.problem.message
    assert "expose" in report.problem.fix
    assert report.score.earned == 0
    assert [p.name for p in report.phases] == ["build"]  # refused before anything was made


def test_a_yaml_alias_bomb_is_refused_before_kata_walks_it(tmp_path):
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):  # 10^9 values once expanded, a few hundred bytes written
        levels.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    (tmp_path / "compose.yaml").write_text(
        "x-bomb:\n" + "".join(f"  {line}\n" for line in levels)
        + "services:\n  gateway:\n    build: .\n    environment: {A: *a8}\n")
    with pytest.raises(ComposeRefused, match="aliases"):
        plan_unit(tmp_path, "gateway")


def test_non_string_depends_on_is_named_not_a_crash(tmp_path):
    repo = unit(tmp_path, "depends_on: [[nested]]\n")
    with pytest.raises(RepoProblem, match="depends_on"):
        plan_unit(repo, "gateway")
