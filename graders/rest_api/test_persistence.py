"""persistence: items live in PostgreSQL, so they survive a restart of the app."""

from __future__ import annotations

from kata.testing import GradedApp, requirement

from ._client import Items, check_item, expect, json_of


@requirement("persistence")
def test_items_survive_a_restart(app: GradedApp, items: Items) -> None:
    payloads = [items.payload() for _ in range(2)]
    created = [items.create(p) for p in payloads]
    app.restart()  # stops the container (SIGTERM) and starts it again; waits for /health
    for item, payload in zip(created, payloads):
        r = items.http.get(f"/items/{item['id']}")
        expect(r, 200, why="the item was created before the app restarted")
        check_item(r, json_of(r), {"id": item["id"], **payload}, context="(after the restart)")
