"""validation: a body that breaks the contract is refused with 422, before anything is
stored; so is an id that is not an integer."""

from __future__ import annotations

from typing import Any

import pytest

from kata.testing import requirement

from ._client import Items, check_item, expect, json_of

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


# Characters outside the Basic Multilingual Plane: one code point each, but two UTF-16
# units and four UTF-8 bytes, so a length counted in either of those is caught.
ASTRAL = "𝄞😀🀄𐍈🜁"


@requirement("validation")
def test_name_length_counts_unicode_code_points(items: Items) -> None:
    tag = f"{items.rng.randrange(16**6):06x}"
    longest = tag + "".join(items.rng.choice(ASTRAL) for _ in range(100 - len(tag)))
    r = items.http.post("/items", json=items.payload(name=longest))
    expect(r, 201, 200, why="a name of exactly 100 code points (94 outside the BMP: 188 "
           "UTF-16 units, 382 UTF-8 bytes) is allowed: length counts code points")
    check_item(r, json_of(r), {"name": longest})
    r = items.http.post("/items", json=items.payload(name=longest + ASTRAL[0]))
    expect(r, 422, why="a name of 101 code points is one too many")


@requirement("validation")
def test_a_body_that_is_not_json_is_422(items: Items) -> None:
    broken = '{"name": "pen", "price": 1.5'
    r = items.http.post("/items", content=broken.encode(),
                        headers={"content-type": "application/json"})
    expect(r, 422, why="the body is not valid JSON: the spec answers it with 422, as any "
           "other invalid body")
