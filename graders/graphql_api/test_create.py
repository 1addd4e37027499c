"""create: createAuthor and createBook store the object and return it with a new id."""

from __future__ import annotations

from kata.testing import requirement

from ._client import AUTHOR_FIELDS, BOOK_FIELDS, GraphQL, check_fields, fail, is_id

CREATE_AUTHOR = f"""mutation($input: CreateAuthorInput!) {{
  createAuthor(input: $input) {{ {AUTHOR_FIELDS} }}
}}"""
CREATE_BOOK = f"""mutation($input: CreateBookInput!) {{
  createBook(input: $input) {{ {BOOK_FIELDS} }}
}}"""


@requirement("create", basic=True)  # what the requirements that need create rely on
def test_create_an_author_and_a_book(gql: GraphQL) -> None:
    name = gql.author_name()
    r, data = gql.data(CREATE_AUTHOR, {"input": {"name": name}})
    author = data.get("createAuthor")
    check_fields(r, author, {"name": name}, context="in createAuthor")
    if not is_id(author.get("id")):
        raise fail(r, 'the new author\'s "id" as a non-empty string (GraphQL ID)')
    title = gql.title()
    r, data = gql.data(CREATE_BOOK, {"input": {"title": title, "year": 1984,
                                               "authorId": author["id"]}})
    book = data.get("createBook")
    check_fields(r, book, {"title": title, "year": 1984}, context="in createBook")
    if not is_id(book.get("id")):
        raise fail(r, 'the new book\'s "id" as a non-empty string (GraphQL ID)')
    check_fields(r, book.get("author"), {"id": author["id"], "name": name},
                 context="in createBook's author")


@requirement("create")
def test_a_book_without_a_year_has_year_null(gql: GraphQL) -> None:
    author = gql.create_author()
    title = gql.title()
    r, data = gql.data(CREATE_BOOK, {"input": {"title": title, "authorId": author["id"]}})
    check_fields(r, data.get("createBook"), {"title": title, "year": None},
                 context="(year was not given)")


@requirement("create")
def test_text_comes_back_as_sent(gql: GraphQL) -> None:
    name = f"Zoë Ñúñez-Østergård 日本 {gql.tag()}"
    author = gql.create_author(name)
    r, data = gql.data(CREATE_AUTHOR, {"input": {"name": name}})
    check_fields(r, data.get("createAuthor"), {"name": name})
    title = f"“Crème brûlée” — 𝄞😀 {gql.tag()}"
    r, data = gql.data(CREATE_BOOK, {"input": {"title": title, "year": -450,
                                               "authorId": author["id"]}})
    check_fields(r, data.get("createBook"), {"title": title, "year": -450})


@requirement("create")
def test_each_new_object_gets_its_own_id(gql: GraphQL) -> None:
    author = gql.create_author()
    ids = [gql.create_book(author["id"])["id"] for _ in range(3)]
    if len(set(ids)) != 3:
        raise AssertionError(f"three createBook calls → expected three different ids, got {ids}")
