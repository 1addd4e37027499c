"""update: PUT /items/{id} replaces the item; the change shows on the next GET."""

from __future__ import annotations

from kata.testing import requirement

from ._client import Items, check_item, expect, json_of


@requirement("update")
def test_put_replaces_the_item(items: Items) -> None:
    created = items.create(items.payload(description="before"))
    item_id = created["id"]
    change = items.payload(description="after")
    r = items.http.put(f"/items/{item_id}", json=change)
    expect(r, 200)
    check_item(r, json_of(r), {"id": item_id, **change})
    r = items.http.get(f"/items/{item_id}")
    expect(r, 200, why="the item was just updated")
    check_item(r, json_of(r), {"id": item_id, **change}, context="(after the PUT)")
