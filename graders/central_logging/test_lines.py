"""json-lines and error-lines: each request kata sends, with an X-Request-ID of kata's,
writes exactly one line to the app's output, a JSON object with the spec's eight fields and
the request's own method, path and status — errors (4xx) included, at level warning."""

from __future__ import annotations

from kata.testing import GradedApp, requirement

from ._logs import Sent, new_ids, one_line, record_problems, send, wait_for_lines


def _judge(app: GradedApp, sent: list[Sent]) -> None:
    lines = wait_for_lines(app, [s.request_id for s in sent])
    wrong = []
    for s in sent:
        problems = record_problems(one_line(lines, s), s)
        if problems:
            wrong.append(f"{s}: " + "; ".join(problems))
    assert not wrong, "log lines that break the spec:\n" + "\n".join(wrong)


@requirement("json-lines", basic=True)
def test_one_json_line_per_request(app: GradedApp) -> None:
    ids = new_ids(app, "json-lines", 6)
    user, password = app.env["DEMO_USER"], app.env["DEMO_PASSWORD"]
    sent = []
    for rid, (method, url, body) in zip(ids, [
        ("GET", "/items/7", None),
        ("GET", "/items/42?x=1", None),
        ("GET", "/items/100?verbose=true&x=2", None),
        ("POST", "/login", {"username": user, "password": password}),
        ("GET", "/health", None),
        ("GET", "/items/1", None),
    ]):
        r, s = send(app.http, method, url, rid, json=body)
        assert r.status_code == 200, f"{s}: expected 200 (see the endpoints requirement)"
        sent.append(s)
    _judge(app, sent)


@requirement("error-lines")
def test_error_answers_are_logged_with_their_request_id(app: GradedApp) -> None:
    ids = new_ids(app, "error-lines", 4)
    user = app.env["DEMO_USER"]
    wrong_password = "wrong-" + ids[0][:12]
    sent = []
    for rid, (method, url, body, status) in zip(ids, [
        ("GET", "/items/0", None, 404),
        ("GET", "/items/abc", None, 404),
        ("POST", "/login", {"username": user, "password": wrong_password}, 401),
        ("POST", "/login", {"username": user}, 422),
    ]):
        r, s = send(app.http, method, url, rid, json=body)
        assert r.status_code == status, f"{s}: expected {status} (see the endpoints requirement)"
        sent.append(s)
    _judge(app, sent)
