"""no-secrets: kata sends an Authorization header and passwords (the right one, a wrong
one, one in a body the app must refuse); once the lines and documents of those requests
have arrived, no line of the app's output and no document of any index holds any of them."""

from __future__ import annotations

import json

from kata.testing import GradedApp, requirement, trim

from ._logs import Search, lines_with, new_ids, send, wait_for_lines

DOCS_WAIT_S = 5.0


@requirement("no-secrets")
def test_no_secret_is_logged_or_shipped(app: GradedApp) -> None:
    ids = new_ids(app, "no-secrets", 8)
    user, password = app.env["DEMO_USER"], app.env["DEMO_PASSWORD"]
    bearer = [f"kata{ids[5]}", f"kata{ids[6]}"]  # random per grade: found only if logged
    wrong_password, refused_password = f"wrong-{ids[7][:20]}", f"refused-{ids[7][12:]}"
    sent = []
    for rid, token, (method, url, body) in zip(ids, bearer + bearer, [
        ("GET", "/items/9", None),
        ("POST", "/login", {"username": user, "password": password}),
        ("POST", "/login", {"username": user, "password": wrong_password}),
        ("POST", "/login", {"password": refused_password}),
    ]):
        _, s = send(app.http, method, url, rid, json=body,
                    headers={"Authorization": f"Bearer {token}"})
        sent.append(s)
    secrets = {f"the Authorization header's token ({bearer[0]})": bearer[0],
               f"the Authorization header's token ({bearer[1]})": bearer[1],
               "the demo user's password (DEMO_PASSWORD)": password,
               f"the wrong password {wrong_password}": wrong_password,
               f"the password of a refused body, {refused_password}": refused_password}

    lines = wait_for_lines(app, [s.request_id for s in sent])
    # Not a vacuous pass: the request answered 200 must have its line (request-id's check).
    assert lines_with(lines, sent[0].request_id), \
        f"{sent[0]}: no line of the app's output carries its request id: kata has no log to judge"
    leaks = [f"{what} is in this line of the app's output: {trim(line, 240)}"
             for line in lines for what, value in secrets.items() if value in line]

    with Search(app) as search:
        search.wait_for([s.request_id for s in sent], DOCS_WAIT_S)  # whatever arrives in time
        for doc in search.everything():
            text = json.dumps(doc, ensure_ascii=False)
            leaks += [f"{what} is in a document the app shipped: {trim(text, 240)}"
                      for what, value in secrets.items() if value in text]
    assert not leaks, ("secrets kata sent ended up in the logs:\n" + "\n".join(leaks[:6])
                       + ("\n…" if len(leaks) > 6 else ""))
