"""delete: DELETE /items/{id} answers 204 with no body; the item is gone after."""

from __future__ import annotations

from kata.testing import describe, requirement

from ._client import Items, expect, said


@requirement("delete")
def test_delete_answers_204_and_the_item_is_gone(items: Items) -> None:
    item_id = items.create()["id"]
    r = items.http.delete(f"/items/{item_id}")
    expect(r, 204)
    if r.content:
        raise AssertionError(f"{said(r)} → expected 204 with no body, got {describe(r)}")
    r = items.http.get(f"/items/{item_id}")
    expect(r, 404, why="the item was just deleted")
