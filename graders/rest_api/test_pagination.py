"""pagination: limit and offset select a window in id order; total counts every item;
limit outside 1..100 or a negative offset is refused with 422."""

from __future__ import annotations

import pytest

from kata.testing import requirement

from ._client import Items, expect, ids_of, said


def check_window(items: Items, limit: int, offset: int, want_ids: list[int], total: int) -> None:
    r, page = items.page(limit=limit, offset=offset)
    got = ids_of(page)
    if got != want_ids:
        raise AssertionError(
            f"{said(r)} → expected the items with ids {want_ids} ({total} items in all), "
            f"got ids {got[:30]}"
        )
    for key, want in (("total", total), ("limit", limit), ("offset", offset)):
        if page.get(key) != want:
            raise AssertionError(f"{said(r)} → expected {key} = {want}, got {page.get(key)!r}")


@requirement("pagination")
def test_limit_and_offset_select_a_window(items: Items) -> None:
    """Offsets count items, not ids: two of seven new items are deleted, so ids have gaps
    whatever ran before (a `WHERE id > offset` keyset query fails here even when alone)."""
    before = items.total()
    made = [items.create()["id"] for _ in range(7)]
    for gone in (made[1], made[3]):
        r = items.http.delete(f"/items/{gone}")
        expect(r, 204, 200, why="deleting an item to leave a gap in the ids")
    mine = [i for i in made if i not in (made[1], made[3])]
    r, page = items.page(limit=1)
    after = page["total"]
    if after != before + 5:
        raise AssertionError(
            f"{said(r)} → expected total {before + 5} (it was {before}, then 7 items were "
            f"created and 2 of them deleted), got {after}"
        )
    start = after - 5  # our 5 items are the last 5 in id order
    check_window(items, 2, start, mine[0:2], after)
    check_window(items, 2, start + 2, mine[2:4], after)
    check_window(items, 2, start + 4, mine[4:5], after)  # a short last page
    check_window(items, 3, after, [], after)  # past the end: an empty page


@requirement("pagination")
def test_default_limit_is_20(items: Items) -> None:
    total = items.total()
    for _ in range(max(0, 21 - total)):
        items.create()
    r, page = items.page()
    n = len(page["items"])
    if n != 20 or page.get("limit") != 20 or page.get("offset") != 0:
        raise AssertionError(
            f'{said(r)} → expected 20 items with "limit": 20, "offset": 0 (more than 20 exist), '
            f'got {n} items, "limit": {page.get("limit")!r}, "offset": {page.get("offset")!r}'
        )


@requirement("pagination")
@pytest.mark.parametrize(
    "query, why",
    [
        ("limit=0", "limit below 1"),
        ("limit=101", "limit above 100"),
        ("offset=-1", "negative offset"),
        ("limit=ten", "limit not an integer"),
    ],
)
def test_bad_paging_is_422(items: Items, query: str, why: str) -> None:
    r = items.http.get(f"/items?{query}")
    expect(r, 422, why=why)
