"""How the answers are found: kata sends one request, then reads the statements the app ran
for it (pg_stat_statements, reset just before) and the plans PostgreSQL executed them with
(auto_explain: ANALYZE, BUFFERS, VERBOSE). The data is seeded the same way in every grade,
so a plan's pages and rows are the same in every grade too: these checks do not depend on
the machine's speed. Each requirement's bounds are its thresholds in exercise.toml."""

from __future__ import annotations

from typing import Any

from kata.testing import GradedApp, expect, requirement, said, trim

from . import _api as api
from . import _plans
from ._db import Db, Observed

BIG_TABLE = "posts"


def _limits(app: GradedApp, rid: str) -> dict[str, Any]:
    return app.thresholds.get(rid, {})


def _seen(o: Observed) -> None:
    """The request succeeded and kata saw what the database did for it."""
    expect(o.response, 200)
    if not o.statements:
        raise AssertionError(f"{said(o.response)} → kata saw no statement reach the "
                             "database while the app answered: the answer must be read from "
                             "the database on each request (no answers kept in the app)")
    if len(o.plans) < o.calls:
        raise AssertionError(f"{said(o.response)} → the database ran {o.calls} statements "
                             f"but logged {len(o.plans)} plans; kata cannot judge the rest")


def _where(plan: _plans.Plan, node: _plans.Node) -> str:
    return f"\nplan line: {_plans.describe(node)}\nstatement: {trim(plan.query, 300)}"


def expect_indexed(o: Observed, max_pages: int, what: str) -> None:
    """No sequential scan of the big table, no sort spilled to disk, and at most
    ``max_pages`` 8 KB pages touched by all the request's statements together."""
    _seen(o)
    for plan in o.plans:
        for node in _plans.seq_scans(plan.root, BIG_TABLE):
            raise AssertionError(
                f"{said(o.response)} → {what} reads the whole {BIG_TABLE} table "
                f"(a sequential scan of {_plans.rows_read(node)} rows){_where(plan, node)}")
        for node in _plans.disk_sorts(plan.root):
            raise AssertionError(f"{said(o.response)} → {what} sorts on disk"
                                 f"{_where(plan, node)}")
    total = sum(p.pages for p in o.plans)
    if total > max_pages:
        plan = max(o.plans, key=lambda p: p.pages)
        raise AssertionError(
            f"{said(o.response)} → {what} read {total} pages of 8 KB (at most "
            f"{max_pages}){_where(plan, _plans.heaviest(plan.root))}")


@requirement("slug-indexed")
def test_a_post_by_slug_is_an_index_lookup(app: GradedApp, db: Db) -> None:
    post_id = app.rng("slug-indexed").randrange(1, api.POSTS + 1)
    o = db.observe(lambda: app.http.get(f"/posts/by-slug/{api.slug(post_id)}"))
    expect_indexed(o, int(_limits(app, "slug-indexed").get("max_pages", 40)), "the lookup")


@requirement("latest-indexed")
def test_the_latest_of_a_category_read_from_an_index(app: GradedApp, db: Db) -> None:
    category = app.rng("latest-indexed").choice(api.CATEGORIES)
    o = db.observe(lambda: app.http.get(f"/categories/{category}/latest"))
    expect_indexed(o, int(_limits(app, "latest-indexed").get("max_pages", 200)),
                   "the latest posts of a category")


@requirement("top-indexed")
def test_the_top_posts_read_from_an_index(app: GradedApp, db: Db) -> None:
    o = db.observe(lambda: app.http.get("/posts/top"))
    expect_indexed(o, int(_limits(app, "top-indexed").get("max_pages", 60)), "the top posts")


@requirement("stats-indexed")
def test_the_stats_read_one_authors_range(app: GradedApp, db: Db) -> None:
    author = app.rng("stats-indexed").randrange(1, api.AUTHORS + 1)
    o = db.observe(lambda: app.http.get(f"/authors/{author}/stats?from=2024-06-01&to=2025-06-01"))
    expect_indexed(o, int(_limits(app, "stats-indexed").get("max_pages", 150)),
                   "an author's stats over a year")


@requirement("no-n-plus-one")
def test_the_latest_posts_with_authors_take_a_few_statements(app: GradedApp, db: Db) -> None:
    category = app.rng("no-n-plus-one").choice(api.CATEGORIES)
    most = int(_limits(app, "no-n-plus-one").get("max_statements", 3))
    o = db.observe(lambda: app.http.get(f"/categories/{category}/latest?limit=20"))
    expect(o.response, 200)
    if not o.statements:
        raise AssertionError(f"{said(o.response)} → kata saw no statement reach the "
                             "database while the app answered")
    if o.calls > most:
        worst = o.statements[0]
        raise AssertionError(
            f"{said(o.response)} → the app ran {o.calls} statements for one page of 20 "
            f"posts (at most {most}): one per post, the N+1 pattern. Most repeated, "
            f"{worst.calls} times:\n{trim(worst.query, 400)}\nJoin the authors in (or fetch "
            "them all with one query, WHERE id = ANY(…))")


@requirement("keyset")
def test_a_deep_page_reads_only_its_own_rows(app: GradedApp, db: Db) -> None:
    limit = 100
    pages = int(_limits(app, "keyset").get("deep_page", 15))
    cursor = None
    for n in range(pages):
        after = {"cursor": cursor} if cursor else {}
        r = app.http.get("/posts", params={"limit": limit, **after})
        expect(r, 200)
        cursor = api.json_object(r).get("next_cursor")
        if not isinstance(cursor, str) or not cursor:
            raise AssertionError(f"{said(r)} (page {n + 1}) → expected a next_cursor "
                                 f"string, got {cursor!r}")
    deep = cursor
    o = db.observe(lambda: app.http.get("/posts", params={"limit": limit, "cursor": deep}))
    _seen(o)
    most = 2 * limit + 10
    for plan in o.plans:
        node = _plans.widest_scan(plan.root)
        if node is not None and _plans.rows_read(node) > most:
            raise AssertionError(
                f"{said(o.response)} (page {pages + 1}) → read {_plans.rows_read(node)} rows "
                f"to answer {limit} (at most {most}): not a keyset page{_where(plan, node)}")


@requirement("lean-list")
def test_the_list_does_not_read_the_body(app: GradedApp, db: Db) -> None:
    o = db.observe(lambda: app.http.get("/posts?limit=20"))
    _seen(o)
    for plan in o.plans:
        if (item := _plans.returns_column(plan.root, "body")) is not None:
            raise AssertionError(
                f"{said(o.response)} → the list's statement returns {trim(item, 60)}, the "
                "4 KB body of each post, which the list does not show: name the columns it "
                f"needs (no SELECT *)\nstatement: {trim(plan.query, 400)}")
