"""errors: the contract's error codes. An id no row has gets NOT_FOUND; input the contract
refuses gets BAD_USER_INPUT; each as an entry of "errors" with a message, the path of the
field and extensions.code — with HTTP 200 (400 is accepted)."""

from __future__ import annotations

import pytest

from kata.testing import requirement

from ._client import GraphQL, fail

BOOK = 'query($id: ID!) { book(id: $id) { id title } }'


@requirement("errors")
def test_a_book_no_one_has_is_not_found_and_null(gql: GraphQL) -> None:
    missing = gql.missing_id()
    body = gql.refused(BOOK, {"id": missing}, code="NOT_FOUND", path=["book"],
                       why="no book has this id")
    data = body.get("data")
    if not (isinstance(data, dict) and data.get("book") is None):
        raise AssertionError(f"book(id: {missing!r}) → expected \"data\": {{\"book\": null}} "
                             f"beside the error, got \"data\": {data!r}")


@requirement("errors")
@pytest.mark.parametrize("bad_id", ["abc", "-1", "99999999999999999999999", "1.5", ""])
def test_an_id_of_any_shape_is_not_found_never_a_crash(gql: GraphQL, bad_id: str) -> None:
    gql.refused(BOOK, {"id": bad_id}, code="NOT_FOUND", path=["book"],
                why="no book has this id: an ID is any string")


@requirement("errors")
def test_an_author_no_one_has_is_not_found(gql: GraphQL) -> None:
    gql.refused("query($id: ID!) { author(id: $id) { id name } }", {"id": gql.missing_id()},
                code="NOT_FOUND", path=["author"], why="no author has this id")


@requirement("errors")
def test_mutations_on_missing_rows_are_not_found(gql: GraphQL) -> None:
    gql.refused("mutation($id: ID!) { updateBook(id: $id, input: {title: \"x\"}) { id } }",
                {"id": gql.missing_id()}, code="NOT_FOUND", path=["updateBook"],
                why="no book has this id")
    gql.refused("mutation($a: ID!) { createBook(input: {title: \"x\", authorId: $a}) { id } }",
                {"a": gql.missing_id()}, code="NOT_FOUND", path=["createBook"],
                why="no author has this authorId")


@requirement("errors")
@pytest.mark.parametrize("why, query", [
    ("name is empty", 'mutation { createAuthor(input: {name: ""}) { id } }'),
    ("name is longer than 100 characters",
     'mutation { createAuthor(input: {name: "%s"}) { id } }' % ("n" * 101)),
    ("first is 0", "{ books(first: 0) { totalCount } }"),
    ("first is above 100", "{ books(first: 101) { totalCount } }"),
    ("after is not a cursor the server handed out",
     '{ books(first: 2, after: "%%not-a-cursor%%") { totalCount } }'),
])
def test_input_the_contract_refuses_is_bad_user_input(gql: GraphQL, why: str, query: str) -> None:
    gql.refused(query, code="BAD_USER_INPUT", why=why)


@requirement("errors")
def test_a_bad_title_is_bad_user_input_and_nothing_is_stored(gql: GraphQL) -> None:
    author = gql.create_author()
    query = ("mutation($input: CreateBookInput!) { createBook(input: $input) { id } }")
    for why, title in (("title is empty", ""), ("title is longer than 200 characters",
                                                 "t" * 201)):
        gql.refused(query, {"input": {"title": title, "authorId": author["id"]}},
                    code="BAD_USER_INPUT", path=["createBook"], why=why)
    r, data = gql.data("query($id: ID!) { author(id: $id) { books { id } } }",
                       {"id": author["id"]})
    books = (data.get("author") or {}).get("books")
    if books != []:
        raise fail(r, "no books for this author: both createBook calls were refused")
