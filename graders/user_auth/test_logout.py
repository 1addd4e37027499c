"""logout: POST /auth/logout answers 204; the session it ended, sent again (a copy kept
from before, as a thief or a shared computer keeps it), answers 401."""

from __future__ import annotations

from kata.testing import requirement

from ._client import Api, expect, refused


@requirement("logout")
def test_a_logged_out_session_is_refused(api: Api) -> None:
    _, session = api.user()
    expect(api.me(session), 200, why="the session works before logging out")
    r = api.http.post("/auth/logout", headers=session.headers)
    expect(r, 204, 200, why="logging out with the session")
    refused(api.me(session), "the same token or cookie, kept from before POST /auth/logout: "
                             "the app must have forgotten the session, not only told the "
                             "client to drop it")


@requirement("logout")
def test_logout_answers_204(api: Api) -> None:
    _, session = api.user()
    r = api.http.post("/auth/logout", headers=session.headers)
    expect(r, 204, why="logging out with a live session")


@requirement("logout")
def test_logout_without_a_session_is_401(api: Api) -> None:
    refused(api.http.post("/auth/logout"), "no Authorization header and no cookie")
