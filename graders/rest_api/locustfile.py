"""The load profile of rest-api: what kata's load grader sends, to the learner's app and
to the reference solution alike (users, duration and SLOs are in exercise.toml).

The mix is the everyday traffic of an items API: mostly reads of single items, pages of
the list, some updates, and creates that are deleted again (so the table keeps its size
and a list without pagination is not punished here — `pagination` grades that). Every
request is valid: the load test measures speed, the contract tests and the schema check
judge correctness.
"""

from __future__ import annotations

import itertools
import random

from locust import FastHttpUser, constant, task

_serial = itertools.count()


def _item(rng: random.Random) -> dict:
    n = next(_serial)
    return {
        "name": f"load item {n}",
        "description": rng.choice([None, f"made by the load test, #{n}"]),
        "price": round(rng.uniform(0.5, 500.0), 2),
        "quantity": rng.randint(0, 1000),
    }


class ItemsUser(FastHttpUser):
    wait_time = constant(0)  # closed loop: each user sends its next request on the answer
    max_redirects = 0  # a redirect is the app's answer; following it could reach the host

    def on_start(self) -> None:
        self.rng = random.Random(next(_serial))
        self.ids: list[int] = []
        for _ in range(3):
            with self.client.post("/items", json=_item(self.rng), name="POST /items",
                                  catch_response=True) as r:
                if r.status_code in (200, 201) and isinstance(r.json(), dict):
                    self.ids.append(r.json().get("id"))
                else:
                    r.failure(f"could not create an item: {r.status_code}")

    def _some_id(self) -> int | None:
        return self.rng.choice(self.ids) if self.ids else None

    @task(10)
    def read_item(self) -> None:
        if (item_id := self._some_id()) is not None:
            self.client.get(f"/items/{item_id}", name="GET /items/{id}")

    @task(5)
    def list_page(self) -> None:
        self.client.get(f"/items?limit=20&offset={self.rng.randrange(0, 40)}", name="GET /items")

    @task(2)
    def update_item(self) -> None:
        if (item_id := self._some_id()) is not None:
            self.client.put(f"/items/{item_id}", json=_item(self.rng), name="PUT /items/{id}")

    @task(2)
    def create_and_delete(self) -> None:
        with self.client.post("/items", json=_item(self.rng), name="POST /items",
                              catch_response=True) as r:
            created = r.json() if r.status_code in (200, 201) else None
            if not isinstance(created, dict) or "id" not in created:
                r.failure(f"could not create an item: {r.status_code}")
                return
        self.client.delete(f"/items/{created['id']}", name="DELETE /items/{id}")

    @task(1)
    def health(self) -> None:
        self.client.get("/health", name="GET /health")
