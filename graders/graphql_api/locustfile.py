"""The load profile of graphql-api: what kata's load grader sends, to the learner's app and
to the reference solution alike (users, duration and SLOs are in exercise.toml).

Most requests read a page of 20 books, each with its author; the rest read single books
and authors, and create and update books. (The number of queries a page costs is
`batching`'s to judge, by counting them: a load test on a shared machine could not tell
20 extra queries from noise.) Every request is valid; an answer with "errors" counts as a
failure.
"""

from __future__ import annotations

import itertools
import json
import random

from locust import FastHttpUser, constant, task

_serial = itertools.count()

PAGE = ("query($after: String) { books(first: 20, after: $after) { edges { node { id title "
        "year author { id name } } } pageInfo { hasNextPage endCursor } } }")
BOOK = "query($id: ID!) { book(id: $id) { id title year author { id name } } }"
AUTHOR = "query($id: ID!) { author(id: $id) { id name books { id title } } }"
CREATE_AUTHOR = "mutation($name: String!) { createAuthor(input: {name: $name}) { id } }"
CREATE_BOOK = ("mutation($input: CreateBookInput!) { createBook(input: $input) { id title year "
               "author { id } } }")
UPDATE_BOOK = ("mutation($id: ID!, $year: Int) { updateBook(id: $id, input: {year: $year}) "
               "{ id year } }")
AUTHORS_PER_USER = 12  # 10 users: a first page of 100 books exists from the start


class LibraryUser(FastHttpUser):
    wait_time = constant(0)  # closed loop: each user sends its next request on the answer
    max_redirects = 0  # a redirect is the app's answer; following it could reach the host

    def gql(self, name: str, query: str, variables: dict) -> dict | None:
        with self.client.post("/graphql", json={"query": query, "variables": variables},
                              name=name, catch_response=True) as r:
            if r.status_code != 200 or b'"errors"' in (r.content or b""):
                r.failure(f"HTTP {r.status_code}: {(r.text or '')[:120]}")
                return None
            try:
                body = json.loads(r.content)
            except ValueError:
                r.failure("not JSON")
                return None
            return body.get("data") if isinstance(body, dict) else None

    def on_start(self) -> None:
        n = next(_serial)
        self.rng = random.Random(n)
        self.books: list[str] = []
        self.authors: list[str] = []
        for i in range(AUTHORS_PER_USER):  # each with a book of their own
            data = self.gql("createAuthor", CREATE_AUTHOR, {"name": f"load author {n}.{i}"})
            author = (data or {}).get("createAuthor") or {}
            if author.get("id"):
                self.authors.append(author["id"])
                self._create(i, author["id"])

    def _create(self, i: int, author: str | None = None) -> None:
        if not self.authors:
            return
        data = self.gql("createBook", CREATE_BOOK, {"input": {
            "title": f"load book {i}", "year": self.rng.randint(1900, 2024),
            "authorId": author or self.rng.choice(self.authors)}})
        book = (data or {}).get("createBook") or {}
        if book.get("id"):
            self.books.append(book["id"])

    @task(10)
    def page_of_books_with_authors(self) -> None:
        self.gql("books(first: 20) with authors", PAGE, {"after": None})

    @task(4)
    def book_with_author(self) -> None:
        if self.books:
            self.gql("book(id)", BOOK, {"id": self.rng.choice(self.books)})

    @task(2)
    def author_with_books(self) -> None:
        if self.authors:
            self.gql("author(id)", AUTHOR, {"id": self.rng.choice(self.authors)})

    @task(1)
    def create_book(self) -> None:
        self._create(len(self.books))

    @task(1)
    def update_book(self) -> None:
        if self.books:
            self.gql("updateBook", UPDATE_BOOK, {"id": self.rng.choice(self.books),
                                                 "year": self.rng.randint(1900, 2024)})
