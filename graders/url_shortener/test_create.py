"""create: POST /links answers 201 with the link under a random 7-character code."""

from __future__ import annotations

from kata.testing import GradedApp, describe, expect, json_of, requirement, said

from ._client import CODE, Api


@requirement("create")
def test_a_link_gets_a_random_code(app: GradedApp, api: Api) -> None:
    codes = []
    url = api.url()
    for n in range(2):  # the same URL twice: each POST makes a link of its own
        r = api.post({"url": url})
        expect(r, 201, why="a valid URL")
        link = json_of(r)
        if not isinstance(link, dict):
            raise AssertionError(f"{said(r)} → expected the link as a JSON object, got "
                                 f"{describe(r)}")
        for field in ("code", "url", "created_at", "expires_at", "clicks"):
            assert field in link, f"{said(r)} → the field {field!r} is missing: {describe(r)}"
        code = link["code"]
        assert isinstance(code, str) and CODE.fullmatch(code), (
            f"{said(r)} → expected a code of exactly 7 characters of [0-9A-Za-z], got "
            f"{code!r}")
        assert link["url"] == url, (f"{said(r)} → expected the URL unchanged, {url!r}, got "
                                    f"{link['url']!r}")
        assert link["clicks"] == 0 and link["expires_at"] is None, (
            f"{said(r)} → a new link without expires_in has clicks 0 and expires_at null, "
            f"got clicks {link['clicks']!r} and expires_at {link['expires_at']!r}")
        assert isinstance(link["created_at"], str) and link["created_at"], (
            f"{said(r)} → expected created_at as an RFC 3339 string, got "
            f"{link['created_at']!r}")
        codes.append(code)
        if n == 1:
            assert codes[0] != codes[1], (
                f"{said(r)} → two links got the same code {code!r}: each link needs a code "
                f"of its own")
