"""The load profile of query-tuning: what kata's load grader sends, to the learner's app
and to the reference solution alike (users, duration and SLOs are in exercise.toml).

The everyday reads of the blog, over the whole seeded data set: posts by slug, the latest
of a category, the top posts, an author's stats over a few months, and the first pages of
the list. Every request is valid and read-only (the data never changes): the load test
measures speed; the contract tests judge the answers and the plans."""

from __future__ import annotations

import hashlib
import itertools
import random

from locust import FastHttpUser, constant, task

POSTS = 200_000
AUTHORS = 2_000
CATEGORIES = ("art", "books", "cars", "data", "energy", "food", "games", "health", "islands",
              "jazz", "kites", "law", "music", "news", "oceans", "plants", "quilts", "rivers",
              "space", "travel")
MONTHS = [f"{y}-{m:02d}-01" for y in (2024, 2025) for m in range(1, 13)]

_serial = itertools.count()


class ReaderUser(FastHttpUser):
    wait_time = constant(0)  # closed loop: each user sends its next request on the answer
    max_redirects = 0  # a redirect is the app's answer; following it could reach the host

    def on_start(self) -> None:
        self.rng = random.Random(next(_serial))

    @task(6)
    def by_slug(self) -> None:
        i = self.rng.randrange(1, POSTS + 1)
        slug = f"post-{i}-{hashlib.md5(str(i).encode()).hexdigest()[:8]}"
        self.client.get(f"/posts/by-slug/{slug}", name="GET /posts/by-slug/{slug}")

    @task(3)
    def latest(self) -> None:
        # A small widget's page: the N+1 pattern is graded by counting statements
        # (no-n-plus-one), not here, so that an N+1 app loses exactly that requirement.
        self.client.get(f"/categories/{self.rng.choice(CATEGORIES)}/latest?limit=5",
                        name="GET /categories/{category}/latest")

    @task(2)
    def top(self) -> None:
        self.client.get("/posts/top?limit=10", name="GET /posts/top")

    @task(4)
    def stats(self) -> None:
        start = self.rng.randrange(0, len(MONTHS) - 6)
        self.client.get(f"/authors/{self.rng.randrange(1, AUTHORS + 1)}/stats"
                        f"?from={MONTHS[start]}&to={MONTHS[start + 6]}",
                        name="GET /authors/{id}/stats")

    @task(4)
    def list_pages(self) -> None:
        with self.client.get("/posts?limit=20", name="GET /posts",
                             catch_response=True) as r:
            try:
                cursor = r.json().get("next_cursor") if r.status_code == 200 else None
            except (ValueError, AttributeError):
                cursor = None
            if not isinstance(cursor, str):
                r.failure(f"no next_cursor: {r.status_code}")
                return
        self.client.get("/posts", params={"limit": 20, "cursor": cursor},
                        name="GET /posts?cursor")
