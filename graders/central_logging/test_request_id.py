"""request-id: kata's X-Request-ID comes back in the answer and is in the request's log
line; a request without one gets a new id of the app's, unique, answered and logged the
same way. The line is found by the id alone, in whatever form (json-lines grades the form)."""

from __future__ import annotations

from kata.testing import GradedApp, requirement, trim

from ._logs import lines_with, new_ids, send, wait_for_lines


def _one_line_with(lines: list[str], rid: str, what: str) -> None:
    found = lines_with(lines, rid)
    assert found, f"{what}: no line of the app's output carries its request id {rid}"
    shown = "\n".join(trim(x, 200) for x in found[:3])
    assert len(found) == 1, (f"{what}: {len(found)} lines carry its request id {rid}, the spec "
                             f"wants one per request:\n{shown}")


@requirement("request-id", basic=True)
def test_the_client_s_id_is_echoed_and_logged(app: GradedApp) -> None:
    rid = new_ids(app, "request-id", 1)[0]
    r, s = send(app.http, "GET", "/items/3", rid)
    echoed = r.headers.get("x-request-id")
    assert echoed == rid, (f"{s}: the answer's X-Request-ID is {trim(repr(echoed), 80)}, expected "
                           f"the one kata sent, {rid}")
    _one_line_with(wait_for_lines(app, [rid]), rid, str(s))


@requirement("request-id")
def test_a_request_without_an_id_gets_a_new_one(app: GradedApp) -> None:
    given = []
    for _ in range(3):
        r, s = send(app.http, "GET", "/items/4", None)
        rid = r.headers.get("x-request-id", "")
        assert rid.strip(), (f"GET /items/4 without X-Request-ID → {r.status_code} with no "
                             f"X-Request-ID header: the app must make an id and answer it")
        assert len(rid) <= 200, f"GET /items/4: the app's X-Request-ID is {len(rid)} characters"
        given.append(rid)
    assert len(set(given)) == 3, (f"three requests without X-Request-ID got the ids {given}: "
                                  f"each request needs an id of its own")
    text = "\n".join(wait_for_lines(app, given))
    for rid in given:  # the app's own ids may be any string: found, not counted
        assert rid in text, (f"GET /items/4 without X-Request-ID: the app answered the id "
                             f"{rid}, which no line of its output carries")
