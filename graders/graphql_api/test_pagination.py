"""pagination: books(first, after) is a Relay cursor connection over every book in id
order. Walking it page after page from the start must meet every book once (no duplicate,
no gap), in id order, with pageInfo and totalCount right.

kata creates its own books and walks the whole list (every book the app holds), so it
does not care what else is in the database; it then walks its own books again two at a
time, starting from the cursor of the book before them."""

from __future__ import annotations

import time
from typing import Any

import httpx

from kata.testing import requirement

from ._client import GraphQL, fail, said

PAGE = """query($first: Int, $after: String) {
  books(first: $first, after: $after) {
    totalCount
    edges { cursor node { id } }
    pageInfo { hasNextPage endCursor }
  }
}"""
MAX_PAGES = 400  # a walk of 40,000 books at most
WALK_S = 40.0


def page(gql: GraphQL, first: int | None, after: str | None
         ) -> tuple[httpx.Response, dict[str, Any]]:
    variables: dict[str, Any] = {"after": after}
    if first is not None:
        variables["first"] = first
    r, data = gql.data(PAGE, variables)
    conn = data.get("books")
    ok = (isinstance(conn, dict) and isinstance(conn.get("edges"), list)
          and all(isinstance(e, dict) and isinstance(e.get("node"), dict)
                  and isinstance(e["node"].get("id"), str) and isinstance(e.get("cursor"), str)
                  for e in conn["edges"])
          and isinstance(conn.get("pageInfo"), dict)
          and isinstance(conn["pageInfo"].get("hasNextPage"), bool)
          and isinstance(conn.get("totalCount"), int))
    if not ok:
        raise fail(r, "a BookConnection: edges of {cursor, node {id}}, pageInfo "
                      "{hasNextPage, endCursor} and an integer totalCount")
    return r, conn


def check_page_info(r: httpx.Response, conn: dict[str, Any], more: bool | None) -> None:
    edges, info = conn["edges"], conn["pageInfo"]
    want_end = edges[-1]["cursor"] if edges else None
    if info.get("endCursor") != want_end:
        raise AssertionError(f"{said(r)} → expected pageInfo.endCursor to be the cursor of the "
                             f"page's last edge ({want_end!r}), got {info.get('endCursor')!r}")
    if more is not None and info["hasNextPage"] is not more:
        raise AssertionError(f"{said(r)} → expected pageInfo.hasNextPage {str(more).lower()} "
                             f"({'more books follow' if more else 'this is the last page'}), "
                             f"got {str(info['hasNextPage']).lower()}")


def numeric(ids: list[str]) -> list[int] | None:
    try:
        return [int(i) for i in ids]
    except ValueError:
        return None


def walk(gql: GraphQL, first: int, after: str | None = None
         ) -> tuple[list[str], list[str], int]:
    """Every id and cursor from ``after`` on, page by page; and the last totalCount."""
    ids: list[str] = []
    cursors: list[str] = []
    deadline = time.monotonic() + WALK_S
    total = -1
    for n in range(MAX_PAGES):
        r, conn = page(gql, first, after)
        total = conn["totalCount"]
        edges = conn["edges"]
        if len(edges) > first:
            raise fail(r, f"at most first = {first} edges")
        new = [e["node"]["id"] for e in edges]
        if seen := set(new) & set(ids):
            raise AssertionError(f"{said(r)} → page {n + 1} repeats books of earlier pages "
                                 f"(ids {sorted(seen)[:5]}): a duplicate")
        ids += new
        cursors += [e["cursor"] for e in edges]
        more = conn["pageInfo"]["hasNextPage"]
        check_page_info(r, conn, None)
        if more and len(edges) < first:
            raise fail(r, f"a full page of {first} edges when hasNextPage is true")
        if not more:
            return ids, cursors, total
        after = conn["pageInfo"]["endCursor"]
        if not isinstance(after, str):
            raise fail(r, "a string pageInfo.endCursor on a page with a next page")
        if time.monotonic() > deadline:
            break
    raise AssertionError(f"walking books {first} at a time: still hasNextPage after "
                         f"{len(ids)} books and {WALK_S:g} s")


@requirement("pagination")
def test_walking_every_page_meets_every_book_once_in_id_order(gql: GraphQL) -> None:
    author = gql.create_author()
    mine = [gql.create_book(author["id"])["id"] for _ in range(5)]
    ids, _, total = walk(gql, 100)
    if total != len(ids):
        raise AssertionError(f"walking books(first: 100) from the start met {len(ids)} books "
                             f"but totalCount is {total}: a gap (or a wrong totalCount)")
    missing = [i for i in mine if i not in ids]
    if missing:
        raise AssertionError(f"walking books(first: 100) from the start never met the books "
                             f"just created with ids {missing}: a gap")
    as_int = numeric(ids)
    if as_int is not None and as_int != sorted(as_int):
        raise AssertionError(f"walking books(first: 100): expected ids in ascending order, "
                             f"got …{ids[-12:]}")


@requirement("pagination")
def test_small_pages_from_a_cursor(gql: GraphQL) -> None:
    """Five new books, walked two at a time from the cursor of the book before them:
    [1 2] [3 4] [5], the last page without a next one."""
    author = gql.create_author()
    mine = [gql.create_book(author["id"])["id"] for _ in range(5)]
    ids, cursors, _ = walk(gql, 100)
    if mine[0] not in ids:
        raise AssertionError(f"walking books(first: 100) never met the book just created "
                             f"with id {mine[0]}")
    at = ids.index(mine[0])
    after = cursors[at - 1] if at else None
    got: list[str] = []
    for n, want in enumerate((mine[0:2], mine[2:4], mine[4:5])):
        r, conn = page(gql, 2, after)
        new = [e["node"]["id"] for e in conn["edges"]]
        if new != want:
            raise AssertionError(f"{said(r)} → expected the books with ids {want} (page {n + 1} "
                                 f"of the 5 books {mine}, 2 at a time), got ids {new}"
                                 f"{' after ' + str(got) if got else ''}")
        check_page_info(r, conn, n < 2)
        got += new
        after = conn["pageInfo"]["endCursor"]


@requirement("pagination")
def test_first_defaults_to_20_and_total_count_counts_every_book(gql: GraphQL) -> None:
    _, conn = page(gql, 1, None)
    before = conn["totalCount"]
    author = gql.create_author()
    made = max(2, 21 - before)
    for _ in range(made):
        gql.create_book(author["id"])
    r, conn = page(gql, None, None)
    if len(conn["edges"]) != 20:
        raise fail(r, f"20 edges when first is not given ({before + made} books exist)")
    if conn["totalCount"] != before + made:
        raise fail(r, f"totalCount {before + made} (it was {before}, then {made} books were "
                      f"created)")
    check_page_info(r, conn, True)
