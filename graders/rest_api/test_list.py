"""list: GET /items holds the items that exist, ordered by id ascending.

Only the first page is read (no offset): offset is pagination's feature, and a server
whose offset is wrong (e.g. `WHERE id > offset`) must lose pagination alone, whatever
ran before. New items are looked for on that page when they fit on it (at most 100 items
exist); with more, the page's order and the total's growth are what list is judged on."""

from __future__ import annotations

from kata.testing import describe, requirement

from ._client import Items, check_item, ids_of, is_int, said

FIRST_PAGE = 100


@requirement("list")
def test_list_holds_new_items_in_id_order(items: Items) -> None:
    before = items.total()
    payloads = [items.payload() for _ in range(3)]
    created = [items.create(p) for p in payloads]
    r, page = items.page(limit=FIRST_PAGE)
    ids = ids_of(page)
    if not all(isinstance(i, dict) for i in page["items"]) or not all(is_int(i) for i in ids):
        raise AssertionError(
            f'{said(r)} → expected item objects with integer "id"s, got {describe(r)}')
    if ids != sorted(ids) or len(set(ids)) != len(ids):
        raise AssertionError(
            f"{said(r)} → expected items ordered by id ascending, got ids {ids[:30]}"
        )
    total = page["total"]
    if total != before + 3:
        raise AssertionError(
            f"{said(r)} → expected total {before + 3} (it was {before}, then 3 items were "
            f"created), got {total}")
    if total > FIRST_PAGE:
        return
    by_id = {i["id"]: i for i in page["items"]}
    for item, payload in zip(created, payloads):
        if item["id"] not in by_id:
            raise AssertionError(
                f"{said(r)} → expected the items just created (ids "
                f"{[c['id'] for c in created]}, {total} items in all) on this page, "
                f"got ids {ids[-30:]}"
            )
        check_item(r, by_id[item["id"]], payload, context=f"for item {item['id']}")
