"""read: GET /items/{id} answers 200 with the item as it was created."""

from __future__ import annotations

from kata.testing import requirement

from ._client import Items, check_item, expect, json_of


@requirement("read")
def test_read_returns_the_stored_item(items: Items) -> None:
    payload = items.payload()
    created = items.create(payload)
    r = items.http.get(f"/items/{created['id']}")
    expect(r, 200, why="the item was just created")
    check_item(r, json_of(r), {"id": created["id"], **payload}, context="(as created)")
