"""create: POST /items answers 201 with the stored item, its new id and every field."""

from __future__ import annotations

from kata.testing import describe, requirement

from ._client import Items, check_item, expect, is_int, json_of, said


@requirement("create", basic=True)  # what the requirements that need create rely on
def test_create_answers_with_the_item_and_an_id(items: Items) -> None:
    """The plainest form of create (200 is accepted here; 201 is checked below)."""
    payload = items.payload()
    r = items.http.post("/items", json=payload)
    expect(r, 201, 200)
    item = json_of(r)
    check_item(r, item, payload)
    if not is_int(item.get("id")):
        raise AssertionError(f'{said(r)} → expected an integer "id", got {describe(r)}')


@requirement("create")
def test_create_answers_201_with_the_item(items: Items) -> None:
    payload = items.payload(description="blue ink, refillable")
    r = items.http.post("/items", json=payload)
    expect(r, 201)
    item = json_of(r)
    check_item(r, item, payload)
    if not is_int(item.get("id")) or item["id"] < 1:
        raise AssertionError(f'{said(r)} → expected an integer "id" ≥ 1, got {describe(r)}')


@requirement("create")
def test_create_keeps_text_as_sent(items: Items) -> None:
    payload = items.payload(name="crème brûlée dish № 7", description="“fragile” — 日本製")
    r = items.http.post("/items", json=payload)
    expect(r, 201)
    check_item(r, json_of(r), payload)


@requirement("create")
def test_create_fills_in_defaults(items: Items) -> None:
    payload = {"name": items.payload()["name"], "price": 3.25}
    r = items.http.post("/items", json=payload)
    expect(r, 201)
    check_item(
        r,
        json_of(r),
        {**payload, "description": None, "quantity": 0},
        context="(the defaults: description null, quantity 0)",
    )
