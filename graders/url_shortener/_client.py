"""What the url-shortener grader tests share: links made for one test (seeded URLs and
aliases), redirects that are never followed (kata's clients refuse to: a Location is the
app's answer, to be read, not a place kata goes), and checks that turn a wrong answer into
a message the learner can act on — what was sent, what was expected, what came back."""

from __future__ import annotations

import re
from typing import Any

import httpx

from kata.testing import GradedApp, describe, expect, is_int, json_of, said

CODE = re.compile(r"[0-9A-Za-z]{7}")
REDIRECTS = (301, 302, 303, 307, 308)
WORDS = ("docs", "blog", "shop", "talks", "news", "papers", "wiki", "photos")


def answered(r: httpx.Response, why: str) -> None:
    """A link's GET that must be served (a redirect, or any answer below 400): the
    requirements that are not the redirect's own do not judge its status."""
    if r.status_code >= 400:
        raise AssertionError(f"{said(r)} ({why}) → expected the link to be served (302), "
                             f"got {describe(r)}")


class Api:
    """The shortener as one grader test uses it: seeded links, checked answers."""

    def __init__(self, app: GradedApp, salt: str) -> None:
        self.app = app
        self.rng = app.rng(salt)

    @property
    def http(self) -> httpx.Client:
        return self.app.http

    def tag(self) -> str:
        return f"{self.rng.randrange(16**10):010x}"

    def url(self) -> str:
        """A long URL seen nowhere else, with a path, a query and a fragment."""
        word = self.rng.choice(WORDS)
        return (f"https://{word}.example.com/kata/{self.tag()}/article?id="
                f"{self.rng.randrange(10**6)}&lang=en%2DGB#section-{self.rng.randrange(9)}")

    def alias(self) -> str:
        return f"kata-{self.tag()}"

    def post(self, body: Any, client: httpx.Client | None = None) -> httpx.Response:
        return (client or self.http).post("/links", json=body)

    def create(self, url: str | None = None, **fields: Any) -> dict[str, Any]:
        """A new link, as the app answered it. 200 is taken too: only the create
        requirement insists on 201."""
        body = {"url": url or self.url(), **fields}
        r = self.post(body)
        expect(r, 201, 200, why="creating a link to test with")
        link = json_of(r)
        if not isinstance(link, dict) or not isinstance(link.get("code"), str) \
                or not link["code"]:
            raise AssertionError(f'{said(r)} → expected the link with its "code", got '
                                 f"{describe(r)}")
        if not re.fullmatch(r"[A-Za-z0-9_-]+", link["code"]):
            raise AssertionError(f"{said(r)} → expected a code of letters, digits, _ and -, "
                                 f"got {link['code']!r}")
        return link

    def follow(self, code: str, client: httpx.Client | None = None) -> httpx.Response:
        return (client or self.http).get(f"/{code}")

    def stats(self, code: str) -> httpx.Response:
        return self.http.get(f"/links/{code}/stats")

    def clicks(self, code: str, why: str) -> int:
        r = self.stats(code)
        expect(r, 200, why=why)
        link = json_of(r)
        if not isinstance(link, dict) or not is_int(link.get("clicks")):
            raise AssertionError(f'{said(r)} ({why}) → expected the link with an integer '
                                 f'"clicks", got {describe(r)}')
        return int(link["clicks"])


def expect_detail(r: httpx.Response, status: int, why: str) -> None:
    """``status`` with a JSON object carrying a string ``detail``."""
    expect(r, status, why=why)
    error = json_of(r)
    if not isinstance(error, dict) or not isinstance(error.get("detail"), str):
        raise AssertionError(f'{said(r)} ({why}) → expected a JSON body like {{"detail": '
                             f'"…"}}, got {describe(r)}')
