"""read: book(id) and author(id) return the objects as created, with their relations."""

from __future__ import annotations

from kata.testing import requirement

from ._client import BOOK_FIELDS, GraphQL, check_fields, fail


@requirement("read")
def test_book_by_id_with_its_author(gql: GraphQL) -> None:
    author = gql.create_author()
    book = gql.create_book(author["id"], year=2001)
    r, data = gql.data(f'query($id: ID!) {{ book(id: $id) {{ {BOOK_FIELDS} }} }}',
                       {"id": book["id"]}, why="the book was just created")
    got = data.get("book")
    check_fields(r, got, {"id": book["id"], "title": book["title"], "year": 2001},
                 context="(as created)")
    check_fields(r, got.get("author"), {"id": author["id"], "name": author["name"]},
                 context="in the book's author")


@requirement("read")
def test_author_by_id_with_their_books_in_id_order(gql: GraphQL) -> None:
    author = gql.create_author()
    books = [gql.create_book(author["id"], year=1990 + i) for i in range(3)]
    query = "query($id: ID!) { author(id: $id) { id name books { id title year } } }"
    r, data = gql.data(query, {"id": author["id"]}, why="the author was just created")
    got = data.get("author")
    check_fields(r, got, {"id": author["id"], "name": author["name"]}, context="(as created)")
    listed = got.get("books")
    want = [{"id": b["id"], "title": b["title"], "year": b["year"]} for b in books]
    if listed != want:
        raise fail(r, f"the author's 3 books in id order: {want}")
