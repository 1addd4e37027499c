"""kata.testing's evidence: a failed check's replay is the short sequence of requests that
produced it, aimed at the learner's localhost, or at the kept app's published address."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass

import httpx
import pytest

from kata.sandbox.base import Address
from kata.testing import REPLAY_STEPS, GradedApp, Replay


@dataclass
class Handle:
    port: int = 8000
    address: Address = Address("172.30.0.5", 8000)
    published: str = ""


def _app(handle: Handle) -> GradedApp:
    app = GradedApp(handle=handle, services={}, seed=1)  # type: ignore[arg-type]
    app._http = httpx.Client(
        base_url=app.base_url,
        transport=httpx.MockTransport(lambda r: httpx.Response(201 if r.method == "POST"
                                                               else 200, json={"ok": 1})),
        event_hooks={"request": [app._record], "response": [app._answer]})
    return app


def _steps(evidence: dict[str, str]) -> list[str]:
    return evidence["replay"].splitlines()


def test_a_stateful_failure_replays_its_requests_in_order_at_localhost():
    app = _app(Handle())
    for n in range(3):
        app.http.post("/items", json={"name": f"pen {n}"})
    app.http.get("/items", params={"limit": 2, "offset": 1})
    ev = app.failure_evidence()
    steps = _steps(ev)
    assert len(steps) == 4
    assert all("-X POST" in s for s in steps[:3]) and "-X GET" in steps[3]
    assert steps[0].endswith("http://localhost:8000/items") and "pen 0" in steps[0]
    assert steps[3].endswith("'http://localhost:8000/items?limit=2&offset=1'")
    assert "172.30.0.5" not in ev["replay"]
    # the last exchange is still the request and answer shown
    assert ev["request"] == "GET /items?limit=2&offset=1" and ev["response"].startswith("200")


def test_a_kept_app_is_replayed_at_its_published_address():
    app = _app(Handle(published="127.0.0.1:49153"))
    app.http.delete("/items/7")
    ev = app.failure_evidence()
    assert ev["replay"] == "curl -i -X DELETE http://127.0.0.1:49153/items/7"
    assert app.replay_address == ("127.0.0.1", 49153)
    assert _app(Handle()).replay_address == ("localhost", 8000)


def test_a_long_check_replays_only_its_last_steps_and_says_so():
    app = _app(Handle())
    for n in range(20):
        app.http.get(f"/items/{n}")
    steps = _steps(app.failure_evidence())
    assert steps[0] == f"# the last {REPLAY_STEPS} of the 20 steps of this check"
    assert len(steps) == REPLAY_STEPS + 1 and steps[-1].endswith("/items/19")
    assert app.failure_evidence() != {} and GradedApp(Handle(), {}, 1).failure_evidence() == {}  # type: ignore[arg-type]


def test_a_replay_is_valid_bash_and_keeps_only_the_last_steps():
    replay = Replay()
    for n in range(12):
        replay.add(f"echo step {n}")
    script = replay.script()
    assert script.splitlines()[0] == f"# the last {REPLAY_STEPS} of the 12 steps of this check"
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.split("\n")[:2] == ["step 4", "step 5"]
    assert done.stdout.count("step") == REPLAY_STEPS


def test_a_redirect_to_no_http_url_is_the_apps_answer_not_kata_s_error():
    """httpx builds the next request of every redirect, followed or not; a Location that is
    no http URL (javascript:…) must reach the grader as the app's 302, not raise."""
    import http.server
    import threading

    from kata.testing import capped_client

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(302)
            self.send_header("Location", "javascript:alert(1)")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with capped_client(f"http://127.0.0.1:{server.server_port}", 5) as client:
            r = client.get("/next")
        assert (r.status_code, r.headers["location"]) == (302, "javascript:alert(1)")
        assert r.next_request is None
    finally:
        server.shutdown()
        server.server_close()


def test_a_wrong_status_names_the_request_what_it_tests_and_the_answer():
    from kata.testing import expect, is_int, json_of, said

    request = httpx.Request("POST", "http://app:8000/items?x=1", json={"name": "pen"})
    r = httpx.Response(200, json={"id": 1}, request=request)
    assert said(r) == 'POST /items?x=1 {"name":"pen"}'
    expect(r, 200, 201)
    with pytest.raises(AssertionError) as e:
        expect(r, 409, why="a duplicate name")
    assert str(e.value) == ('POST /items?x=1 {"name":"pen"} (a duplicate name) → expected 409, '
                            'got 200 {"id":1}')
    assert json_of(r) == {"id": 1}
    with pytest.raises(AssertionError, match="expected a JSON body, got 200 oops"):
        json_of(httpx.Response(200, text="oops", request=request))
    assert is_int(3) and not is_int(True) and not is_int(3.0)


def test_a_request_without_a_body_is_said_without_a_trailing_space():
    from kata.testing import said

    r = httpx.Response(404, request=httpx.Request("GET", "http://app:8000/products/7"))
    assert said(r) == "GET /products/7"


def test_credentials_are_said_when_the_test_is_about_them():
    """Auth graders name the headers they sent (or that none was), so a 401 is explained."""
    from kata.testing import expect, said

    def answer(**headers: str) -> httpx.Response:
        req = httpx.Request("GET", "http://app:8000/me", headers=headers)
        return httpx.Response(401, request=req)

    shown = ("authorization", "cookie")
    assert said(answer(authorization="Bearer abc"), shown) == "GET /me [Authorization: Bearer abc]"
    assert said(answer(authorization="Bearer abc", cookie="sid=1"), shown) == (
        "GET /me [Authorization: Bearer abc; Cookie: sid=1]")
    assert said(answer(), shown) == "GET /me [no Authorization or Cookie]"
    assert said(answer(authorization="Bearer abc")) == "GET /me"  # not asked: not shown
    with pytest.raises(AssertionError, match=r"^GET /me \[no Authorization\] → expected 200"):
        expect(answer(), 200, headers=("authorization",))
