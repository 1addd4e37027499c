"""update: updateBook changes the given fields and answers with the book as now stored."""

from __future__ import annotations

from kata.testing import requirement

from ._client import BOOK_FIELDS, GraphQL, check_fields

UPDATE = f"""mutation($id: ID!, $input: UpdateBookInput!) {{
  updateBook(id: $id, input: $input) {{ {BOOK_FIELDS} }}
}}"""
READ = f"query($id: ID!) {{ book(id: $id) {{ {BOOK_FIELDS} }} }}"


@requirement("update")
def test_update_answers_with_the_new_values_and_they_stay(gql: GraphQL) -> None:
    author = gql.create_author()
    book = gql.create_book(author["id"], year=1970)
    title = gql.title()
    r, data = gql.data(UPDATE, {"id": book["id"], "input": {"title": title, "year": 1971}})
    check_fields(r, data.get("updateBook"), {"id": book["id"], "title": title, "year": 1971},
                 context="(updateBook answers with the book as it is after the change)")
    r, data = gql.data(READ, {"id": book["id"]}, why="the book was just updated")
    check_fields(r, data.get("book"), {"id": book["id"], "title": title, "year": 1971},
                 context="(after updateBook)")


@requirement("update")
def test_fields_left_out_keep_their_value_and_null_clears_the_year(gql: GraphQL) -> None:
    author = gql.create_author()
    book = gql.create_book(author["id"], year=1605)
    title = gql.title()
    r, data = gql.data(UPDATE, {"id": book["id"], "input": {"title": title}})
    check_fields(r, data.get("updateBook"), {"title": title, "year": 1605},
                 context="(year was left out of input: it keeps its value)")
    r, data = gql.data(UPDATE, {"id": book["id"], "input": {"year": None}})
    check_fields(r, data.get("updateBook"), {"title": title, "year": None},
                 context="(input was {year: null}: the year is cleared, the title kept)")
    r, data = gql.data(READ, {"id": book["id"]}, why="the book was just updated")
    check_fields(r, data.get("book"), {"title": title, "year": None},
                 context="(after both updates)")
