"""validation: only absolute http(s) URLs of at most 2,048 characters become links."""

from __future__ import annotations

from kata.testing import GradedApp, expect, requirement

from ._client import Api

MAX_URL = 2048


def bad_urls(api: Api) -> list[tuple[object, str]]:
    long = "https://example.com/" + "a" * (MAX_URL + 1 - len("https://example.com/"))
    return [
        ("javascript:alert(document.cookie)", "javascript: runs script: an open redirect"),
        ("JavaScript:alert(1)//http://example.com", "javascript:, in another case"),
        ("data:text/html,<script>alert(1)</script>", "a data: URL"),
        ("vbscript:msgbox(1)", "a vbscript: URL"),
        ("ftp://example.com/file.txt", "a scheme other than http and https"),
        (f"example.com/{api.tag()}", "no scheme"),
        (f"//example.com/{api.tag()}", "a scheme-relative URL"),
        ("http://", "no host"),
        ("", "an empty URL"),
        (long, f"{len(long)} characters, over {MAX_URL}"),
        (12345, "not a string"),
    ]


@requirement("validation")
def test_unsafe_or_malformed_urls_answer_422(app: GradedApp, api: Api) -> None:
    for url, why in bad_urls(api):
        expect(api.post({"url": url}), 422, why=why)
    expect(api.post({"alias": api.alias()}), 422, why="no url at all")


@requirement("validation")
def test_2048_characters_are_accepted(app: GradedApp, api: Api) -> None:
    head = f"https://example.com/{api.tag()}/"
    url = head + "b" * (MAX_URL - len(head))
    assert len(url) == MAX_URL
    expect(api.post({"url": url}), 201, 200, why=f"a URL of exactly {MAX_URL} characters")
    expect(api.post({"url": "HTTP://EXAMPLE.COM/Upper"}), 201, 200,
           why="the scheme is case-insensitive")
