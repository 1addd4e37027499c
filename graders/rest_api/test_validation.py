"""validation: a body that breaks the contract is refused with 422, before anything is
stored; so is an id that is not an integer."""

from __future__ import annotations

from typing import Any

import pytest

from kata.testing import requirement

from ._client import Items, expect

BAD_BODIES: list[tuple[str, dict[str, Any]]] = [
    ("name is missing", {"price": 1.5}),
    ("name is empty", {"name": "", "price": 1.5}),
    ("name is longer than 100 characters", {"name": "x" * 101, "price": 1.5}),
    ("price is missing", {"name": "pen"}),
    ("price is negative", {"name": "pen", "price": -0.01}),
    ("price is a string", {"name": "pen", "price": "cheap"}),
    ("quantity is negative", {"name": "pen", "price": 1.5, "quantity": -1}),
]


@requirement("validation")
@pytest.mark.parametrize("why, body", BAD_BODIES, ids=[w for w, _ in BAD_BODIES])
def test_post_with_a_bad_body_is_422(items: Items, why: str, body: dict[str, Any]) -> None:
    if "name" in body and body["name"] == "pen":
        body = {**body, "name": items.payload()["name"]}
    r = items.http.post("/items", json=body)
    expect(r, 422, why=why)


@requirement("validation")
def test_put_with_a_bad_body_is_422(items: Items) -> None:
    item_id = items.create()["id"]
    r = items.http.put(f"/items/{item_id}", json={"name": "", "price": 1.5})
    expect(r, 422, why="name is empty")


@requirement("validation")
def test_id_that_is_not_an_integer_is_422(items: Items) -> None:
    r = items.http.get("/items/abc")
    expect(r, 422, why="the id is not an integer")
