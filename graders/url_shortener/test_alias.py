"""alias: a custom alias becomes the code, once; a taken one answers 409, a bad one 422."""

from __future__ import annotations

from kata.testing import GradedApp, describe, expect, json_of, requirement, said

from ._client import Api

BAD_ALIASES = ("ab", "a" * 33, "has space", "has/slash", "dot.ted", "ünï", "semi;colon", "")


@requirement("alias")
def test_an_alias_is_the_code_and_taken_once(app: GradedApp, api: Api) -> None:
    alias, first, second = api.alias(), api.url(), api.url()
    r = api.post({"url": first, "alias": alias})
    expect(r, 201, why="a free alias")
    link = json_of(r)
    code = link.get("code") if isinstance(link, dict) else None
    assert code == alias, f"{said(r)} → expected the code to be the alias {alias!r}, got " \
                          f"{describe(r)}"
    r = api.post({"url": second, "alias": alias})
    expect(r, 409, why="the alias is taken")
    r = api.stats(alias)
    expect(r, 200, why="the first link of the alias, after a second POST was refused")
    kept = json_of(r)
    assert isinstance(kept, dict) and kept.get("url") == first, (
        f"{said(r)} → the alias must still lead to the first URL {first!r} after the "
        f"refused POST, got {describe(r)}")


@requirement("alias")
def test_a_malformed_alias_answers_422(app: GradedApp, api: Api) -> None:
    for bad in BAD_ALIASES:
        r = api.post({"url": api.url(), "alias": bad})
        expect(r, 422, why=f"the alias {bad!r} is not 3-32 characters of [A-Za-z0-9_-]")
