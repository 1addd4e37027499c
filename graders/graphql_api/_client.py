"""A small GraphQL client the graphql-api grader tests share: it POSTs documents to
/graphql, makes seeded test data, and turns a wrong answer into a message the learner can
act on — the document sent, what was expected, what came back."""

from __future__ import annotations

import json
from typing import Any

import httpx

from kata.testing import GradedApp, describe, trim

ENDPOINT = "/graphql"
FIRST_NAMES = ("Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken")
LAST_NAMES = ("Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson")
WORDS = ("silent", "river", "glass", "winter", "garden", "machine", "letters", "north", "paper")

AUTHOR_FIELDS = "id name"
BOOK_FIELDS = "id title year author { id name }"


def one_line(text: str) -> str:
    return " ".join(text.split())


def said(r: httpx.Response) -> str:
    """`POST /graphql { book(id: "1") { id } } {"id": …}` — the request behind an answer."""
    try:
        sent = json.loads(r.request.content)
    except ValueError:
        sent = None
    if isinstance(sent, dict) and isinstance(sent.get("query"), str):
        variables = sent.get("variables")
        extra = f" variables {json.dumps(variables, ensure_ascii=False)}" if variables else ""
        return trim(f"POST {ENDPOINT} {one_line(sent['query'])}{extra}", 300)
    return trim(f"POST {ENDPOINT} {r.request.content.decode('utf-8', 'replace')}", 300)


def fail(r: httpx.Response, expected: str) -> AssertionError:
    return AssertionError(f"{said(r)} → expected {expected}, got {describe(r)}")


def is_id(value: Any) -> bool:
    """GraphQL IDs are serialised as strings."""
    return isinstance(value, str) and value != ""


def codes_of(body: dict[str, Any]) -> list[Any]:
    """The extensions.code of each error (None where an error has none)."""
    out = []
    for e in body.get("errors") or []:
        ext = e.get("extensions") if isinstance(e, dict) else None
        out.append(ext.get("code") if isinstance(ext, dict) else None)
    return out


class GraphQL:
    """A client for /graphql bound to one test: seeded names, checked answers."""

    def __init__(self, app: GradedApp, salt: str) -> None:
        self.app = app
        self.rng = app.rng(salt)

    @property
    def http(self) -> httpx.Client:
        return self.app.http  # not cached: app.restart() replaces the client

    # -- transport ------------------------------------------------------------------------
    def post(self, query: str, variables: dict[str, Any] | None = None) -> httpx.Response:
        body: dict[str, Any] = {"query": query}
        if variables is not None:
            body["variables"] = variables
        return self.http.post(ENDPOINT, json=body,
                              headers={"accept": "application/json"})

    def answer(self, query: str, variables: dict[str, Any] | None = None,
               statuses: tuple[int, ...] = (200,)) -> tuple[httpx.Response, dict[str, Any]]:
        """The answer as a JSON object (a GraphQL response), its status one of ``statuses``."""
        r = self.post(query, variables)
        if r.status_code not in statuses:
            raise fail(r, " or ".join(f"HTTP {s}" for s in statuses))
        try:
            body = r.json()
        except ValueError:
            raise fail(r, "a JSON body") from None
        if not isinstance(body, dict) or not ("data" in body or "errors" in body):
            raise fail(r, 'a GraphQL response: a JSON object with "data" and/or "errors"')
        errors = body.get("errors")
        if errors is not None and (not isinstance(errors, list) or not all(
                isinstance(e, dict) and isinstance(e.get("message"), str) for e in errors)):
            raise fail(r, '"errors" as a list of objects, each with a string "message"')
        return r, body

    def data(self, query: str, variables: dict[str, Any] | None = None,
             why: str = "") -> tuple[httpx.Response, dict[str, Any]]:
        """``data`` of an answer that must carry no errors."""
        r, body = self.answer(query, variables)
        because = f" ({why})" if why else ""
        if body.get("errors") or not isinstance(body.get("data"), dict):
            raise fail(r, f'"data" and no "errors"{because}')
        return r, body["data"]

    def refused(self, query: str, variables: dict[str, Any] | None = None,
                code: str | None = None, path: list[str] | None = None,
                statuses: tuple[int, ...] = (200, 400), why: str = "") -> dict[str, Any]:
        """An answer with an error (with ``code`` and ``path`` when given)."""
        r, body = self.answer(query, variables, statuses=statuses)
        because = f" ({why})" if why else ""
        if not body.get("errors"):
            raise fail(r, f'an "errors" list{because}')
        if code is not None and code not in codes_of(body):
            raise fail(r, f'an error with "extensions": {{"code": "{code}"}}{because}')
        if path is not None and not any(e.get("path") == path for e in body["errors"]):
            raise fail(r, f'the error\'s "path": {json.dumps(path)}{because}')
        return body

    # -- test data ------------------------------------------------------------------------
    def tag(self) -> str:
        return f"{self.rng.randrange(16**6):06x}"

    def author_name(self) -> str:
        return f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)} {self.tag()}"

    def title(self) -> str:
        words = " ".join(self.rng.choice(WORDS) for _ in range(2))
        return f"The {words} {self.tag()}"

    def create_author(self, name: str | None = None) -> dict[str, Any]:
        name = self.author_name() if name is None else name
        r, data = self.data(f"mutation($input: CreateAuthorInput!) {{ createAuthor(input: $input) "
                            f"{{ {AUTHOR_FIELDS} }} }}", {"input": {"name": name}},
                            why="creating an author to test with")
        author = data.get("createAuthor")
        if not isinstance(author, dict) or not is_id(author.get("id")):
            raise fail(r, 'the created author with a string "id"')
        return author

    def create_book(self, author_id: str, title: str | None = None,
                    year: int | None = None) -> dict[str, Any]:
        payload: dict[str, Any] = {"title": self.title() if title is None else title,
                                   "authorId": author_id}
        if year is not None:
            payload["year"] = year
        r, data = self.data(f"mutation($input: CreateBookInput!) {{ createBook(input: $input) "
                            f"{{ {BOOK_FIELDS} }} }}", {"input": payload},
                            why="creating a book to test with")
        book = data.get("createBook")
        if not isinstance(book, dict) or not is_id(book.get("id")):
            raise fail(r, 'the created book with a string "id"')
        return book

    def missing_id(self) -> str:
        """An id no row has: far beyond what a sequence reaches in a grading."""
        return str(self.rng.randrange(10**14, 10**15))


def check_fields(r: httpx.Response, got: Any, want: dict[str, Any], context: str = "") -> None:
    """``got`` (an object from ``r``'s data) must carry every field of ``want``."""
    where = f" {context}" if context else ""
    if not isinstance(got, dict):
        raise fail(r, f"an object{where}")
    for field, value in want.items():
        if field not in got:
            raise AssertionError(f"{said(r)} → expected the field {field!r}{where}, it is "
                                 f"missing: {describe(r)}")
        if got[field] != value or type(got[field]) is not type(value):
            raise AssertionError(f"{said(r)} → expected {field} = {value!r}{where}, got "
                                 f"{got[field]!r}: {describe(r)}")
