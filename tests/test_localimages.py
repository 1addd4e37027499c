"""Tests for kata.localimages: pure name/dependency logic, plus real-Docker checks."""

from __future__ import annotations

import time

import pytest

from kata import localimages
from kata.errors import ExitCode, ImageBuildFailed, UnknownImage

TEST_LABELS = {"kata.test": "1"}


def test_unknown_names_are_usage_errors():
    with pytest.raises(UnknownImage) as e:
        localimages.ensure_images(["python:2.7-slim"])  # raised before Docker is touched
    assert e.value.exit_code == ExitCode.USAGE and "python:3.12-slim" in e.value.fix
    with pytest.raises(UnknownImage):
        localimages.resolve_order(["nginx:latest"])


def test_a_failing_build_tool_is_kata_side_exit_4():
    with pytest.raises(ImageBuildFailed) as failed:
        localimages._run(["sh", "-c", "echo disk full; exit 3"])
    assert failed.value.exit_code == ExitCode.ENVIRONMENT
    assert "exit code 3" in failed.value.message and "disk full" in failed.value.message
    with pytest.raises(ImageBuildFailed, match="could not run"):
        localimages._run(["/nonexistent/debootstrap"])


def test_cli_images_errors_are_one_message_and_their_code(monkeypatch):
    """No traceback, no exit 1 ("below the pass mark"): 2 for a bad name, 4 for a failed build."""
    from typer.testing import CliRunner

    from kata.cli.main import app

    unknown = CliRunner().invoke(app, ["images", "nginx:latest"])
    assert unknown.exit_code == ExitCode.USAGE, unknown.output
    assert "unknown image 'nginx:latest'" in unknown.output
    assert "Traceback" not in unknown.output

    def broken(*args, **kwargs):
        localimages._run(["sh", "-c", "echo E: no space left on device; exit 1"])

    monkeypatch.setattr("kata.sandbox.docker.connect", lambda: None)
    monkeypatch.setattr(localimages, "ensure_images", broken)
    failed = CliRunner().invoke(app, ["images", "redis:7"])
    assert failed.exit_code == ExitCode.ENVIRONMENT, failed.output
    assert "no space left on device" in failed.output and "fix:" in failed.output
    assert "Traceback" not in failed.output


def test_dependencies_are_ordered_base_slim_full():
    order = localimages.resolve_order(["python:3.12", "redis:7"])
    assert order == ["kata-base:bookworm", "python:3.12-slim", "python:3.12", "redis:7"]
    # aliases resolve to their image, and nothing is listed twice
    assert localimages.resolve_order(["debian:12", "python:3.12-slim-bookworm"]) == [
        "kata-base:bookworm",
        "python:3.12-slim",
    ]


def test_the_slow_upstream_is_kata_s_own_image_built_on_python_slim():
    """kata/slow-upstream: no registry has it, so it is built from its folder (here and by
    the Action), FROM the python slim image (the local stand-in here, the official one
    there), by `kata images` with the other defaults."""
    name = localimages.SLOW_UPSTREAM
    assert name in localimages.DEFAULT_IMAGES
    assert localimages.resolve_order([name]) == ["kata-base:bookworm", "python:3.12-slim", name]
    folder = localimages.own_image_folder(name)
    assert folder is not None
    assert "FROM python:3.12-slim" in (folder / "Dockerfile").read_text().splitlines()
    assert {"server.py", "ready.py"} <= {p.name for p in folder.iterdir()}


def test_the_callback_recorder_is_kata_s_own_image_and_rabbitmq_a_debian_stand_in():
    """kata/callback-recorder is built from its folder FROM the python slim image (with a
    registry too); rabbitmq:3 is a stand-in from Debian's package, like redis:7."""
    recorder = localimages.CALLBACK_RECORDER
    assert recorder in localimages.DEFAULT_IMAGES and "rabbitmq:3" in localimages.DEFAULT_IMAGES
    assert localimages.resolve_order([recorder]) == ["kata-base:bookworm", "python:3.12-slim",
                                                     recorder]
    folder = localimages.own_image_folder(recorder)
    assert folder is not None
    assert "FROM python:3.12-slim" in (folder / "Dockerfile").read_text().splitlines()
    assert localimages.own_image_folder("rabbitmq:3") is None  # an official image's name
    assert localimages.canonical_name("rabbitmq:3.10") == "rabbitmq:3"


def test_default_images_are_known():
    known = localimages.known_images()
    assert set(localimages.DEFAULT_IMAGES) <= set(known)
    assert "python:3.12" in known and "python:3.12" not in localimages.DEFAULT_IMAGES


class _Images:
    """A Docker client's image store for the scheduling test: what exists, nothing else."""

    def __init__(self, present: set[str]) -> None:
        self.present = present

    def get(self, name: str):
        import docker.errors

        if name not in self.present:
            raise docker.errors.ImageNotFound(name)
        return type("Image", (), {"tags": [name]})()


def test_images_build_two_at_a_time_each_after_what_it_is_built_from(monkeypatch):
    """The build scheduler, with build steps that only record when they ran: an image never
    starts before its dependencies are built, two run at once, and after a failure nothing
    new starts and the failure is raised."""
    import threading

    store = _Images({"present"})
    client = type("Client", (), {"images": store, "close": lambda self: None})()
    monkeypatch.setattr(localimages.docker, "from_env", lambda **_: client)
    spans: dict[str, tuple[float, float]] = {}
    lock = threading.Lock()

    def step(seconds: float, fail: bool = False):
        def build(_client, name: str, _log) -> None:
            start = time.monotonic()
            time.sleep(seconds)
            if fail:
                raise ImageBuildFailed(f"{name} broke", "fix it")
            with lock:
                spans[name] = (start, time.monotonic())
                store.present.add(name)
        return build

    specs = {
        "present": localimages._Spec(step(0)),
        "base": localimages._Spec(step(0.3), deps=("present",)),
        "a": localimages._Spec(step(0.3), deps=("base",)),
        "b": localimages._Spec(step(0.3), deps=("base",)),
        "c": localimages._Spec(step(0.3), deps=("a",)),
    }
    monkeypatch.setattr(localimages, "SPECS", specs)
    monkeypatch.setattr(localimages, "canonical_name", lambda n: n)
    built = localimages.ensure_images(["c", "b"], log=lambda _: None)
    assert sorted(built) == ["a", "b", "base", "c"] and "present" not in spans
    assert spans["a"][0] >= spans["base"][1] and spans["b"][0] >= spans["base"][1]
    assert spans["c"][0] >= spans["a"][1]
    assert spans["b"][0] < spans["a"][1] and spans["a"][0] < spans["b"][1]  # side by side

    store.present.clear()
    spans.clear()
    specs["a"] = localimages._Spec(step(0.1, fail=True), deps=("base",))
    with pytest.raises(ImageBuildFailed, match="a broke"):
        localimages.ensure_images(["c", "b"], log=lambda _: None)
    assert "c" not in spans and "base" in spans  # nothing starts after the failure


@pytest.fixture(scope="module")
def client():
    docker = pytest.importorskip("docker")
    try:
        client = docker.from_env()
        client.ping()
    except Exception as exc:  # any failure means "no Docker here"
        pytest.skip(f"Docker is not available: {exc}")
    localimages.ensure_images(["python:3.12-slim", "postgres:15", "redis:7",
                               localimages.OIDC_PROVIDER, localimages.SLOW_UPSTREAM,
                               localimages.SEARCH, "rabbitmq:3",
                               localimages.CALLBACK_RECORDER, localimages.KAFKA],
                              log=lambda _: None)
    return client


def _exec_until(container, command: list[str], ok, *, attempts: int = 60, seconds: float = 30.0):
    """Run *command* in *container* until ok(exit_code, output); bounded in count and time."""
    deadline = time.monotonic() + seconds
    result = None
    for _ in range(attempts):
        result = container.exec_run(command)
        if ok(result.exit_code, result.output):
            return result
        if time.monotonic() > deadline:
            break
        time.sleep(0.5)
    pytest.fail(f"{command} never succeeded; last result: {result}")


@pytest.mark.docker
def test_python_slim_runs_as_non_root(client):
    output = client.containers.run(
        "python:3.12-slim",
        ["python3", "-c", "import ssl, sqlite3; print('ok')"],
        user="1000",
        labels=TEST_LABELS,
        remove=True,
    )
    assert output.strip() == b"ok"


@pytest.mark.docker
def test_postgres_accepts_queries(client):
    container = client.containers.run(
        "postgres:15",
        detach=True,
        labels=TEST_LABELS,
        environment={"POSTGRES_PASSWORD": "kata", "POSTGRES_USER": "kata", "POSTGRES_DB": "kata"},
    )
    try:
        result = _exec_until(
            container,
            ["psql", "-U", "kata", "-d", "kata", "-tAc", "select 1"],
            lambda code, out: code == 0 and out.strip() == b"1",
        )
        assert result.exit_code == 0
    finally:
        container.remove(force=True, v=True)


@pytest.mark.docker
def test_redis_answers_ping(client):
    container = client.containers.run("redis:7", detach=True, labels=TEST_LABELS)
    try:
        result = _exec_until(
            container, ["redis-cli", "ping"], lambda code, out: code == 0 and out.strip() == b"PONG"
        )
        assert result.output.strip() == b"PONG"
    finally:
        container.remove(force=True, v=True)


@pytest.mark.docker
def test_oidc_provider_serves_its_issuer_and_enforces_its_registration(client):
    """kata/oidc-provider: ready by a real query (discovery names the configured issuer);
    from the host, an unregistered redirect URI is refused, a registered one reaches the
    sign-in form, and the test-only control endpoint arms only the defects it knows."""
    import httpx

    issuer = "http://idp:8080"
    container = client.containers.run(
        localimages.OIDC_PROVIDER, detach=True, labels=TEST_LABELS,
        environment={"ISSUER": issuer, "CLIENT_ID": "app", "CLIENT_SECRET": "s3cret",
                     "REDIRECT_URIS": "http://localhost:8000/callback"})
    try:
        ready = _exec_until(container, ["node", "/srv/idp/ready.mjs"],
                            lambda code, out: code == 0)
        assert f"ready: {issuer}".encode() in ready.output
        container.reload()
        ip = container.attrs["NetworkSettings"]["IPAddress"]
        with httpx.Client(base_url=f"http://{ip}:8080", headers={"host": "idp:8080"},
                          timeout=10) as idp:
            meta = idp.get("/.well-known/openid-configuration").json()
            assert meta["issuer"] == issuer
            assert meta["authorization_endpoint"] == f"{issuer}/authorize"
            assert meta["code_challenge_methods_supported"] == ["S256"]
            asked = {"client_id": "app", "response_type": "code", "scope": "openid",
                     "state": "s" * 16}
            wrong = idp.get("/authorize", params={**asked, "redirect_uri": "http://evil/cb"})
            assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_redirect_uri"
            right = idp.get("/authorize",
                            params={**asked, "redirect_uri": "http://localhost:8000/callback"})
            assert right.status_code in (302, 303), right.text
            form = idp.get(right.headers["location"])  # the interaction cookie: in the jar
            assert form.status_code == 200 and 'name="sub"' in form.text
            assert idp.post("/_kata/next-id-token", json={"defect": "alg-none"}).status_code == 400
            armed = idp.post("/_kata/next-id-token", json={"defect": "expired"})
            assert armed.json() == {"armed": ["expired"]}
            assert idp.delete("/_kata/next-id-token").json() == {"armed": []}
    finally:
        container.remove(force=True, v=True)


@pytest.mark.docker
def test_slow_upstream_answers_late_counts_calls_and_obeys_its_admin_api(client):
    """kata/slow-upstream: ready by a real query; a public request waits LATENCY_MS and is
    counted per path (the query string apart), the admin API answers at once, uncounted,
    and a change behind the app's back shows in the public answer."""
    import httpx

    container = client.containers.run(localimages.SLOW_UPSTREAM, detach=True,
                                      labels=TEST_LABELS, environment={"LATENCY_MS": "300"})
    try:
        ready = _exec_until(container, ["python", "/srv/upstream/ready.py"],
                            lambda code, out: code == 0)
        assert b"ready" in ready.output
        container.reload()
        ip = container.attrs["NetworkSettings"]["IPAddress"]
        with httpx.Client(base_url=f"http://{ip}:8080", timeout=10) as up:
            def calls(path: str) -> dict:
                return up.get("/_admin/calls", params={"path": path}).json()

            started = time.monotonic()
            usd = up.get("/products/7")
            assert time.monotonic() - started >= 0.3  # the latency it was given
            assert usd.json() == {"id": 7, "name": "Product 7", "price": 555.33,
                                  "currency": "USD", "version": 1}
            eur = up.get("/products/7", params={"currency": "EUR"}).json()
            assert eur["price"] == round(555.33 * 0.92, 2) and eur["currency"] == "EUR"
            assert up.get("/products/7", params={"currency": "XYZ"}).status_code == 422
            assert up.get("/products/100001").status_code == 404  # PRODUCTS: 100000
            assert calls("/products/7") == {"path": "/products/7", "GET": 3, "PUT": 0}
            assert calls("/products/100001")["GET"] == 1

            assert up.put("/products/7", json={"name": ""}).status_code == 422
            put = up.put("/products/7", json={"name": "Lamp", "price": 10}).json()
            assert put == {"id": 7, "name": "Lamp", "price": 10.0, "currency": "USD",
                           "version": 2}
            started = time.monotonic()  # behind the app's back: at once, not counted
            admin = up.put("/_admin/products/7", json={"name": "Desk", "price": 20})
            assert time.monotonic() - started < 0.3 and admin.json()["version"] == 3
            assert up.get("/products/7", params={"currency": "GBP"}).json() == {
                "id": 7, "name": "Desk", "price": 15.8, "currency": "GBP", "version": 3}
            assert calls("/products/7") == {"path": "/products/7", "GET": 4, "PUT": 2}
            assert up.delete("/_admin/calls").json() == {"reset": True}
            assert calls("/products/7") == {"path": "/products/7", "GET": 0, "PUT": 0}
    finally:
        container.remove(force=True, v=True)


@pytest.mark.docker
def test_search_service_takes_bulk_and_answers_searches_as_elasticsearch_does(client):
    """kata/search: ready by a real request (cluster health); _bulk indexes NDJSON and refuses
    a body whose last line has no newline (as Elasticsearch does); a search by a field
    finds what was indexed; an _id indexed twice is one document."""
    import httpx

    container = client.containers.run(localimages.SEARCH, detach=True, labels=TEST_LABELS)
    try:
        ready = _exec_until(container, ["search-ready"], lambda code, out: code == 0)
        assert b"ready: " in ready.output
        container.reload()
        ip = container.attrs["NetworkSettings"]["IPAddress"]
        with httpx.Client(base_url=f"http://{ip}:9200", timeout=10) as es:
            action = '{"index":{"_index":"logs","_id":"a"}}\n'
            doc = '{"request_id":"4bf92f3577b34da6a3ce929d0e0e4736","status":200}'
            ndjson = {"content-type": "application/x-ndjson"}
            bad = es.post("/_bulk", content=action + doc, headers=ndjson)
            assert bad.status_code == 400
            for _ in range(2):  # the same _id twice
                ok = es.post("/_bulk", content=action + doc + "\n", headers=ndjson)
                assert ok.status_code == 200 and ok.json()["errors"] is False
            assert es.post("/logs/_refresh").status_code == 200
            found = es.post("/logs/_search", json={
                "query": {"terms": {"request_id": ["4bf92f3577b34da6a3ce929d0e0e4736"]}}})
            assert found.json()["hits"]["total"]["value"] == 1
            assert es.get("/logs/_count").json()["count"] == 1
    finally:
        container.remove(force=True, v=True)


# Run inside kata/kafka:1 (its confluent-kafka): consume the topic as group "g", committing
# after each message, and stop after argv[1] messages; "kill" dies without leaving the
# group (as a SIGKILLed app does), "close" leaves it. Prints each event's id.
_KAFKA_CONSUMER = """
import json, os, sys, time
from confluent_kafka import Consumer
limit, how = int(sys.argv[1]), sys.argv[2]
c = Consumer({"bootstrap.servers": "127.0.0.1:9092", "group.id": "g",
              "auto.offset.reset": "earliest", "enable.auto.commit": False,
              "session.timeout.ms": 6000})
c.subscribe(["events"])
got, began = 0, time.monotonic()
while got < limit and time.monotonic() - began < 40:
    m = c.poll(0.5)
    if m is None or m.error():
        continue
    print(json.loads(m.value())["id"], flush=True)
    c.commit(m, asynchronous=False)
    got += 1
if how == "kill":
    os._exit(0)
c.close()
"""


@pytest.mark.docker
def test_kafka_service_serves_a_consumer_group_across_a_member_that_died(client):
    """kata/kafka: ready creates the topic; kata-kafka produces keyed events (with
    --dup-every, copies of earlier ones); a group member that commits and dies without
    leaving is expired after its session, and the next member resumes from the committed
    offsets: between them every message once (the property kata chose Tansu for)."""
    container = client.containers.run(localimages.KAFKA, detach=True, labels=TEST_LABELS)
    try:
        ready = ["kata-kafka", "ready", "--topic", "events", "--partitions", "3"]
        assert b"3 partitions" in _exec_until(container, ready, lambda c, _: c == 0).output
        code, out = container.exec_run(["kata-kafka", "produce", "--topic", "events",
                                        "--prefix", "t", "--keys", "3", "--per-key", "10",
                                        "--dup-every", "7"])
        assert code == 0, out
        *sent, summary = out.decode().strip().splitlines()
        assert summary.startswith("sent 34 ") and len(sent) == 34  # 30 events, 4 copies
        assert len({line.split()[0] for line in sent}) == 30
        code, first = container.exec_run(["python3", "-c", _KAFKA_CONSUMER, "12", "kill"])
        assert code == 0 and len(first.split()) == 12, first
        code, rest = container.exec_run(["python3", "-c", _KAFKA_CONSUMER, "22", "close"])
        assert code == 0, rest
        assert sorted(first.split() + rest.split()) == sorted(line.split()[0].encode()
                                                              for line in sent)
    finally:
        container.remove(force=True, v=True)


@pytest.mark.docker
def test_callback_recorder_records_arrivals_and_caps_what_it_keeps(client):
    """kata/callback-recorder: ready by a real query; a POST to /hooks/... is recorded with
    its arrival on the host's clocks and its JSON body; ?status= chooses the answer; a body
    over the cap is answered but not parsed; other paths are not recorded; reset clears."""
    import httpx

    container = client.containers.run(localimages.CALLBACK_RECORDER, detach=True,
                                      labels=TEST_LABELS)
    try:
        ready = _exec_until(container, ["python", "/srv/recorder/recorder_ready.py"],
                            lambda code, out: code == 0)
        assert b"ready" in ready.output
        container.reload()
        ip = container.attrs["NetworkSettings"]["IPAddress"]
        with httpx.Client(base_url=f"http://{ip}:8080", timeout=10) as rec:
            def calls(path: str) -> dict:
                return rec.get("/_admin/calls", params={"path": path}).json()

            before_wall, before_mono = time.time(), time.monotonic()
            assert rec.post("/hooks/a", json={"task_id": "t1", "attempt": 1}).status_code == 200
            assert rec.post("/hooks/a?status=503", json={"n": 2}).status_code == 503
            assert rec.post("/hooks/a", content=b"x" * 5000).status_code == 200
            assert rec.post("/elsewhere", json={}).status_code == 404
            assert rec.get("/hooks/a").status_code == 405
            got = calls("/hooks/a")
            assert got["count"] == 3 and got["dropped"] == 0
            first, second, big = got["calls"]
            assert first["body"] == {"task_id": "t1", "attempt": 1}
            assert second["body"] == {"n": 2}
            assert big["body"] is None and len(big["text"]) == 4096  # capped, unparsed
            # the container's clocks are the host's: wall and monotonic agree with ours
            assert before_wall - 0.5 <= first["at"] <= time.time() + 0.5
            assert before_mono - 0.5 <= first["mono"] <= time.monotonic() + 0.5
            assert first["mono"] <= second["mono"] <= big["mono"]
            assert calls("/elsewhere")["count"] == 0
            assert rec.delete("/_admin/calls").json() == {"reset": True}
            assert calls("/hooks/a")["count"] == 0
    finally:
        container.remove(force=True, v=True)


@pytest.mark.docker
def test_rabbitmq_speaks_amqp_within_seconds(client):
    """rabbitmq:3 (Debian's 3.10): task-scheduler's ready command (bash and coreutils, as
    in the official image) sees the broker's Connection.Start answer to AMQP 0-9-1's
    protocol header within 30 s of the start (about 5 s here), and guest/guest is let in
    from another host (the official image's default; Debian's allows only loopback)."""
    import socket

    from kata.catalog import load_catalog

    ready = load_catalog().get("task-scheduler").services["rabbitmq"].ready
    container = client.containers.run("rabbitmq:3", detach=True, labels=TEST_LABELS)
    try:
        started = time.monotonic()
        _exec_until(container, ready, lambda code, out: code == 0, seconds=30)
        assert time.monotonic() - started < 30
        assert container.exec_run(["bash", "-c", ready[-1].replace("5672", "5673")]
                                  ).exit_code != 0  # the check can fail: no broker there
        conf = container.exec_run(["rabbitmq-diagnostics", "-q", "environment"]).output
        assert b"{loopback_users,[]}" in conf.replace(b" ", b"").replace(b"\n", b"")
        container.reload()
        ip = container.attrs["NetworkSettings"]["IPAddress"]
        with socket.create_connection((ip, 5672), timeout=5) as s:  # from outside too
            s.sendall(b"AMQP\x00\x00\x09\x01")
            frame = s.recv(11)
        assert frame[0] == 1 and frame[7:11] == b"\x00\x0a\x00\x0a"  # Connection.Start
    finally:
        container.remove(force=True, v=True)
