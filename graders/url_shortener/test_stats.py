"""stats: GET /links/{code}/stats answers the link and its clicks."""

from __future__ import annotations

from kata.testing import GradedApp, json_of, requirement, said

from ._client import Api, answered, expect_detail

CLICKS = 3


@requirement("stats")
def test_stats_count_the_redirects(app: GradedApp, api: Api) -> None:
    url = api.url()
    code = api.create(url)["code"]
    assert api.clicks(code, why="a new link") == 0, "a new link must have clicks 0"
    for n in range(CLICKS):
        answered(api.follow(code), why=f"click {n + 1}")
    api.follow(f"nolink{api.tag()}")  # an unknown code counts nowhere
    r = api.stats(code)
    got = json_of(r)
    assert isinstance(got, dict) and got.get("code") == code and got.get("url") == url, (
        f"{said(r)} → expected the link's code {code!r} and url {url!r}, got {got!r}")
    clicks = api.clicks(code, why=f"after {CLICKS} redirects")
    assert clicks == CLICKS, (f"GET /links/{code}/stats after {CLICKS} redirects → expected "
                              f"clicks {CLICKS}, got {clicks}")


@requirement("stats")
def test_stats_of_an_unknown_code_answer_404(app: GradedApp, api: Api) -> None:
    expect_detail(api.stats(f"nolink{api.tag()}"), 404, why="no link has this code")
