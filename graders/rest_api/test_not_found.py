"""not-found: GET, PUT and DELETE of an id no item has answer 404 with a JSON "detail"."""

from __future__ import annotations

import pytest

from kata.testing import describe, requirement

from ._client import Items, expect, json_of, said


@requirement("not-found")
@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_missing_id_is_404(items: Items, method: str) -> None:
    missing = items.missing_id()
    body = items.payload() if method == "PUT" else None
    r = items.http.request(method, f"/items/{missing}", json=body)
    expect(r, 404, why="no item has this id")
    error = json_of(r)
    if not isinstance(error, dict) or not isinstance(error.get("detail"), str):
        raise AssertionError(
            f'{said(r)} → expected a body like {{"detail": "item {missing} not found"}}, '
            f"got {describe(r)}"
        )
