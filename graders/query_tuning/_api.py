"""What the query-tuning grader tests share: the seeded data's own formulas (slugs,
categories), the answers kata computes itself with its own SQL in the database, and the
comparisons that turn a wrong answer into a message the learner can act on."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

import httpx

from kata.testing import describe, json_of, said, trim

from ._db import Db

POSTS = 200_000
AUTHORS = 2_000
CATEGORIES = ("art", "books", "cars", "data", "energy", "food", "games", "health", "islands",
              "jazz", "kites", "law", "music", "news", "oceans", "plants", "quilts", "rivers",
              "space", "travel")


# The rows db-init/02-seed.sql makes, fingerprinted (all but the bodies, which by-slug
# checks against their formula). kata computes its answers in the database, so those must
# still be the rows kata seeded: an app may add indexes, never change the data.
SEEDED = {"posts": 200_000, "posts_md5": "ee508695901a4a74c4df309d9ee30ba0",
          "authors": 2_000, "authors_md5": "a52ad830d9bd2d2f9cb007b890089a8e"}
_FINGERPRINT = (
    "SELECT count(*) AS posts, md5(string_agg(concat_ws('|', id, author_id, slug, title, "
    "category, views, extract(epoch FROM published_at)::bigint), ',' ORDER BY id)) AS posts_md5, "
    "(SELECT count(*) FROM authors) AS authors, (SELECT md5(string_agg(concat_ws('|', id, name, "
    "email), ',' ORDER BY id)) FROM authors) AS authors_md5 FROM posts")


def expect_seeded(db: Db) -> None:
    """The seeded rows are unchanged (a quarter of a second: once per answers check)."""
    now = db.rows(_FINGERPRINT)[0]
    changed = [k for k, v in SEEDED.items() if now.get(k) != v]
    if changed:
        raise AssertionError(
            "the rows kata seeded have changed (" + ", ".join(
                f"{k}: {now.get(k)} instead of {SEEDED[k]}" for k in changed) + "): the app "
            "may add indexes, but must not insert, update or delete rows of kata's tables")


def body(post_id: int) -> str:
    """The seeded post's body (db-init/02-seed.sql's formula)."""
    return (hashlib.md5(str(post_id).encode()).hexdigest() + " ") * 120


def slug(post_id: int) -> str:
    """The seeded post's slug (db-init/02-seed.sql's formula)."""
    return f"post-{post_id}-{hashlib.md5(str(post_id).encode()).hexdigest()[:8]}"


def json_object(r: httpx.Response) -> dict[str, Any]:
    body = json_of(r)
    if not isinstance(body, dict):
        raise AssertionError(f"{said(r)} → expected a JSON object, got {describe(r)}")
    return body


def items(r: httpx.Response, key: str) -> list[Any]:
    body = json_object(r)
    value = body.get(key)
    if not isinstance(value, list):
        raise AssertionError(f'{said(r)} → expected a JSON object with a list "{key}", '
                             f"got {describe(r)}")
    return value


def _instant(value: Any) -> Any:
    """A timestamp string as the instant it names (any RFC 3339 offset), else as is."""
    if isinstance(value, str) and len(value) >= 19 and value[10:11] in ("T", " "):
        try:
            t = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
        return t if t.tzinfo is not None else value
    return value


def _same(got: Any, want: Any) -> bool:
    if isinstance(want, dict):
        return isinstance(got, dict) and all(k in got and _same(got[k], v) for k, v in want.items())
    if isinstance(want, bool) or isinstance(got, bool):
        return got is want
    if isinstance(want, str) and want[10:11] in ("T", " "):
        return _instant(got) == _instant(want)
    return type(got) is type(want) and got == want


def _show(value: Any) -> str:
    return trim(repr(value), 160)


def expect_rows(r: httpx.Response, got: list[Any], want: list[dict[str, Any]], what: str) -> None:
    """``got`` must be ``want``, in order, field for field (extra fields are ignored)."""
    for i, (g, w) in enumerate(zip(got, want, strict=False)):
        if not isinstance(g, dict):
            raise AssertionError(f"{said(r)} → {what} #{i + 1} should be an object like "
                                 f"{_show(w)}, got {_show(g)}")
        for k, v in w.items():
            if k not in g:
                raise AssertionError(f'{said(r)} → {what} #{i + 1} (id {w.get("id")}) has no '
                                     f'"{k}"; expected {_show(w)}')
            if not _same(g[k], v):
                raise AssertionError(
                    f'{said(r)} → {what} #{i + 1}: "{k}" should be {_show(v)}, got {_show(g[k])}'
                    f"\nexpected: {_show(w)}\n     got: {_show(g)}")
    if len(got) != len(want):
        ids = [w.get("id") for w in want]
        raise AssertionError(f"{said(r)} → expected {len(want)} {what}s "
                             f"(ids {trim(str(ids), 120)}), got {len(got)}")


# -- the answers, computed by kata in the database ---------------------------------------
TS = "to_char(published_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"


def post(db: Db, post_id: int) -> dict[str, Any]:
    row = db.rows(f"SELECT id, slug, title, category, author_id, views, {TS} AS published_at "
                  f"FROM posts WHERE id = {int(post_id)}")[0]
    return {**row, "body": body(post_id)}


def latest(db: Db, category: str, limit: int) -> list[dict[str, Any]]:
    assert category in CATEGORIES
    rows = db.rows(
        f"SELECT p.id, p.slug, p.title, p.views, {TS.replace('published_at', 'p.published_at')} "
        "AS published_at, a.id AS a_id, a.name AS a_name FROM posts p "
        f"JOIN authors a ON a.id = p.author_id WHERE p.category = '{category}' "
        f"ORDER BY p.published_at DESC, p.id DESC LIMIT {int(limit)}")
    return [{"id": r["id"], "slug": r["slug"], "title": r["title"], "views": r["views"],
             "published_at": r["published_at"], "author": {"id": r["a_id"], "name": r["a_name"]}}
            for r in rows]


def top(db: Db, limit: int) -> list[dict[str, Any]]:
    return db.rows(f"SELECT id, slug, title, views FROM posts ORDER BY views DESC, id "
                   f"LIMIT {int(limit)}")


def stats(db: Db, author_id: int, start: str, end: str) -> dict[str, Any]:
    row = db.rows(f"SELECT count(*) AS posts, coalesce(sum(views), 0) AS views FROM posts "
                  f"WHERE author_id = {int(author_id)} AND published_at >= '{start}T00:00:00Z' "
                  f"AND published_at < '{end}T00:00:00Z'")[0]
    return {"author_id": author_id, "from": start, "to": end, "posts": row["posts"],
            "views": row["views"]}


def page(db: Db, below_id: int, limit: int) -> list[dict[str, Any]]:
    """The list's page of posts whose ids are under ``below_id``, newest first."""
    return db.rows(f"SELECT id, slug, title, category, author_id, views, {TS} AS published_at "
                   f"FROM posts WHERE id < {int(below_id)} ORDER BY id DESC LIMIT {int(limit)}")
