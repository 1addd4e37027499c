"""A small client for /items that the rest-api grader tests share: it makes seeded test
data and turns a wrong answer into a message the learner can act on — what was sent,
what was expected, what came back."""

from __future__ import annotations

import math
from typing import Any

import httpx

from kata.testing import GradedApp, describe, expect, is_int, json_of, said, trim  # noqa: F401 (the graders import them from here)

FIELDS = ("name", "description", "price", "quantity")
ADJECTIVES = ("red", "tiny", "heavy", "spare", "blue", "quiet", "old", "shiny", "round", "green")
NOUNS = ("pen", "notebook", "stapler", "lamp", "mug", "cable", "chair", "ruler", "eraser", "folder")


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def same_value(field: str, got: Any, want: Any) -> bool:
    if field == "price":
        return is_number(got) and math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-9)
    if field == "quantity":
        return is_int(got) and got == want
    return got == want


def check_item(r: httpx.Response, got: Any, want: dict[str, Any], context: str = "") -> None:
    """``got`` (an item from ``r``'s body) must carry every field of ``want``."""
    where = f" {context}" if context else ""
    if not isinstance(got, dict):
        raise AssertionError(f"{said(r)} → expected an item object{where}, got {describe(r)}")
    for field, value in want.items():
        if field not in got:
            raise AssertionError(
                f"{said(r)} → expected the field {field!r}{where}, it is missing: {describe(r)}"
            )
        if not same_value(field, got[field], value):
            raise AssertionError(
                f"{said(r)} → expected {field} = {value!r}{where}, got {got[field]!r}: "
                f"{describe(r)}"
            )


class Items:
    """A client for /items bound to one test: seeded payloads, checked answers."""

    def __init__(self, app: GradedApp, salt: str) -> None:
        self.app = app
        self.rng = app.rng(salt)

    @property
    def http(self) -> httpx.Client:
        return self.app.http  # not cached: app.restart() replaces the client

    def payload(self, **overrides: Any) -> dict[str, Any]:
        """A valid, unique item body (unique names let a test find its own items)."""
        rng = self.rng
        name = f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)} {rng.randrange(16**6):06x}"
        body = {
            "name": name,
            "description": rng.choice([None, f"a {name} for the desk"]),
            "price": round(rng.uniform(0.5, 999.0), 2),
            "quantity": rng.randint(0, 500),
        }
        body.update(overrides)
        return body

    def create(self, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        """POST an item and return what the app answered. Accepts 200 as well as 201:
        only the `create` requirement insists on 201, the others just need an item."""
        payload = self.payload() if payload is None else payload
        r = self.http.post("/items", json=payload)
        expect(r, 201, 200, why="creating an item to test with")
        item = json_of(r)
        if not isinstance(item, dict) or not is_int(item.get("id")):
            raise AssertionError(
                f'{said(r)} → expected the created item with an integer "id", got {describe(r)}'
            )
        return item

    def page(self, **params: Any) -> tuple[httpx.Response, dict[str, Any]]:
        """GET /items with ``params``; checks the answer is a page object."""
        r = self.http.get("/items", params=params)
        expect(r, 200)
        page = json_of(r)
        if not isinstance(page, dict) or not isinstance(page.get("items"), list):
            raise AssertionError(
                f'{said(r)} → expected {{"items": [...], "total": …, "limit": …, "offset": …}}, '
                f"got {describe(r)}"
            )
        if not is_int(page.get("total")):
            raise AssertionError(f'{said(r)} → expected an integer "total", got {describe(r)}')
        return r, page

    def total(self) -> int:
        return self.page(limit=1)[1]["total"]

    def missing_id(self) -> int:
        """An id no item has: far past the newest one (ids are never reused here)."""
        return self.create()["id"] + 1_000_000


def ids_of(page: dict[str, Any]) -> list[Any]:
    return [i.get("id") if isinstance(i, dict) else i for i in page["items"]]
