"""depth-limit (bonus): an operation nested more than 10 levels deep is refused before it
runs, quickly; 10 levels are served. { book { author { name } } } is 3 levels deep.

The deep queries here follow one author with one book, so they cost little to run: a
server without a limit answers them with data (and fails), it does not hang."""

from __future__ import annotations

import time

from kata.testing import requirement

from ._client import GraphQL, fail

REFUSE_WITHIN_S = 2.0


def chain(levels: int) -> str:
    """book { author { books { author … { id } } } }, ``levels`` deep in all."""
    inner = "id"
    fields = ["author", "books"]
    # book is level 1 and id the last level; the levels between alternate author/books
    for i in range(levels - 2, 0, -1):
        inner = f"{fields[(i - 1) % 2]} {{ {inner} }}"
    return f'query($id: ID!) {{ book(id: $id) {{ {inner} }} }}'


def fragments(levels: int) -> str:
    """The same depth hidden in a chain of fragments, each two levels deep."""
    count = (levels - 2) // 2
    defs = []
    for i in range(count):
        nxt = f"...F{i + 1}" if i + 1 < count else "id"
        defs.append(f"fragment F{i} on Book {{ author {{ books {{ {nxt} }} }} }}")
    return f'query($id: ID!) {{ book(id: $id) {{ ...F0 }} }} {" ".join(defs)}'


def one_book(gql: GraphQL) -> str:
    author = gql.create_author()
    return gql.create_book(author["id"])["id"]


@requirement("depth-limit")
def test_ten_levels_are_served(gql: GraphQL) -> None:
    book = one_book(gql)
    gql.data(chain(10), {"id": book}, why="10 levels deep is within the limit")


@requirement("depth-limit")
def test_a_deeper_operation_is_refused_quickly(gql: GraphQL) -> None:
    book = one_book(gql)
    for levels in (12, 40):
        start = time.monotonic()
        r = gql.post(chain(levels), {"id": book})
        took = time.monotonic() - start
        body = gql.refused(chain(levels), {"id": book}, why=f"{levels} levels deep")
        if body.get("data") is not None:
            raise fail(r, f'no "data": an operation {levels} levels deep must not run')
        if took > REFUSE_WITHIN_S:
            raise AssertionError(f"an operation {levels} levels deep was refused after "
                                 f"{took:.1f} s: refuse it before running it "
                                 f"(within {REFUSE_WITHIN_S:g} s)")


@requirement("depth-limit")
def test_fragments_do_not_hide_depth(gql: GraphQL) -> None:
    book = one_book(gql)
    body = gql.refused(fragments(30), {"id": book},
                       why="30 levels deep, through fragment spreads")
    if body.get("data") is not None:
        raise AssertionError('an operation 30 levels deep through fragments → expected no '
                             '"data": it must not run')
