"""batching: resolving a relation for a page of books costs a few queries, not one per
book (the N+1 problem). kata counts what reaches the database: the TCP segments the
PostgreSQL container receives (its /proc/net/snmp, read inside it) while the app answers
one request. A page of 100 books asked with and without their authors (and the authors'
books) must differ by a few round trips — a batched server sends 2 more queries, an N+1
one 200 more.

The count is a floor of the database traffic the request caused, and other traffic can
only add to it: each figure is the least of three tries."""

from __future__ import annotations

from kata.testing import GradedApp, requirement

from ._client import GraphQL

PLAIN = "{ books(first: 100) { edges { node { id title } } } }"
RELATED = ("{ books(first: 100) { edges { node { id title author { id name books { id } } } } } }")
MAX_EXTRA_SEGMENTS = 40  # a batched server: 2 queries (about 4 to 10 segments)
TRIES = 3
BOOKS = 100
AUTHORS = 25


def segments_in(app: GradedApp) -> int:
    """TCP segments the database container has received so far."""
    db = app.services["db"]
    done = db.exec(["cat", "/proc/net/snmp"], timeout_s=10)
    lines = [line.split() for line in done.stdout.splitlines() if line.startswith("Tcp:")]
    if done.code != 0 or len(lines) < 2 or "InSegs" not in lines[0]:
        raise RuntimeError(f"kata could not read the database's TCP counters: {done.stderr!r}")
    return int(lines[1][lines[0].index("InSegs")])


def cost(app: GradedApp, gql: GraphQL, query: str) -> int:
    """The least number of segments the database received while the app answered."""
    least = None
    for _ in range(TRIES):
        before = segments_in(app)
        gql.data(query)
        used = segments_in(app) - before
        least = used if least is None else min(least, used)
    assert least is not None
    return least


@requirement("batching")
def test_a_page_with_its_relations_costs_a_few_queries(app: GradedApp, gql: GraphQL) -> None:
    _, data = gql.data("{ books(first: 1) { totalCount } }")
    total = (data.get("books") or {}).get("totalCount")
    missing = BOOKS - total if isinstance(total, int) else BOOKS
    authors = [gql.create_author()["id"] for _ in range(min(AUTHORS, max(missing, 0)))]
    for i in range(max(missing, 0)):
        gql.create_book(authors[i % len(authors)])
    plain = cost(app, gql, PLAIN)
    related = cost(app, gql, RELATED)
    if related - plain > MAX_EXTRA_SEGMENTS:
        raise AssertionError(
            f"POST /graphql {RELATED} → the database received {related} TCP segments while "
            f"your app answered it, {related - plain} more than for the same page without "
            f"author {{ … books }} ({plain}): about one query per book. A batched server "
            f"sends 2 more queries (at most {MAX_EXTRA_SEGMENTS} segments): load the authors "
            f"of the whole page, and their books, with one query each")
