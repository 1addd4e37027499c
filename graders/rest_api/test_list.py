"""list: GET /items holds the items that exist, ordered by id ascending."""

from __future__ import annotations

from kata.testing import describe, requirement

from ._client import Items, check_item, ids_of, is_int, said


@requirement("list")
def test_list_holds_new_items_in_id_order(items: Items) -> None:
    payloads = [items.payload() for _ in range(3)]
    created = [items.create(p) for p in payloads]
    total = items.page()[1]["total"]
    # The newest items are last in id order: one page of 100 from the end holds them.
    r, page = items.page(limit=100, offset=max(0, total - 100))
    ids = ids_of(page)
    if not all(isinstance(i, dict) for i in page["items"]) or not all(is_int(i) for i in ids):
        raise AssertionError(
            f'{said(r)} → expected item objects with integer "id"s, got {describe(r)}')
    if ids != sorted(ids) or len(set(ids)) != len(ids):
        raise AssertionError(
            f"{said(r)} → expected items ordered by id ascending, got ids {ids[:30]}"
        )
    by_id = {i["id"]: i for i in page["items"]}
    for item, payload in zip(created, payloads):
        if item["id"] not in by_id:
            raise AssertionError(
                f"{said(r)} → expected the items just created (ids "
                f"{[c['id'] for c in created]}, total {total}) on this last page, "
                f"got ids {ids[-30:]}"
            )
        check_item(r, by_id[item["id"]], payload, context=f"for item {item['id']}")
