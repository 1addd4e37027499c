"""redirect: GET /{code} answers 302 with Location: the URL; an unknown code 404."""

from __future__ import annotations

from kata.testing import GradedApp, describe, expect, requirement, said

from ._client import Api, expect_detail


@requirement("redirect")
def test_a_code_redirects_to_its_url(app: GradedApp, api: Api) -> None:
    for fields in ({}, {"alias": api.alias()}):
        url = api.url()
        code = api.create(url, **fields)["code"]
        for attempt in ("first", "second"):  # a cached answer must be the same
            r = api.follow(code)
            if r.status_code in (200, 301):
                raise AssertionError(
                    f"{said(r)} ({attempt} GET) → expected 302 with Location: {url}, got "
                    f"{describe(r)}: the spec fixes 302 (a 301 is cached by browsers for "
                    f"ever, so later clicks never reach the app)")
            expect(r, 302, why=f"the {attempt} GET of a link")
            location = r.headers.get("location")
            assert location == url, (f"{said(r)} → expected Location: {url}, got "
                                     f"{location!r}")


@requirement("redirect")
def test_an_unknown_code_answers_404(app: GradedApp, api: Api) -> None:
    r = api.follow(f"nolink{api.tag()}")
    expect_detail(r, 404, why="no link has this code")
