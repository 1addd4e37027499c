"""The load profile of url-shortener: what kata's load grader sends, to the learner's app
and to the reference solution alike (users, duration and SLOs are in exercise.toml).

Each simulated user creates three links on start, then mostly follows them (GET /{code},
never following the Location: the redirect is the answer measured), with some stats reads
and some new links. Every request is valid: the load test measures speed; the contract
tests judge correctness.
"""

from __future__ import annotations

import itertools
import random
import uuid

from locust import FastHttpUser, constant, task

_serial = itertools.count()
_run = uuid.uuid4().hex[:10]  # one app is measured twice (a confirmation): new URLs each time


def _url(n: int) -> str:
    return f"https://load.example.com/{_run}/{n}?utm_source=kata"


class ShortenerUser(FastHttpUser):
    wait_time = constant(0)  # closed loop: each user sends its next request on the answer
    max_redirects = 0  # a redirect is the app's answer; following it could reach the host

    def on_start(self) -> None:
        self.rng = random.Random(next(_serial))
        self.codes: list[str] = []
        for _ in range(3):
            self._create()

    def _create(self) -> None:
        with self.client.post("/links", json={"url": _url(next(_serial))}, name="POST /links",
                              catch_response=True) as r:
            link = r.json() if r.status_code in (200, 201) else None
            code = link.get("code") if isinstance(link, dict) else None
            if not isinstance(code, str) or not code.isascii() or "/" in code:
                r.failure(f"could not create a link: {r.status_code}")
                return
        if len(self.codes) < 20:
            self.codes.append(code)

    @task(20)
    def follow(self) -> None:
        if self.codes:
            self.client.get(f"/{self.rng.choice(self.codes)}", name="GET /{code}")

    @task(2)
    def stats(self) -> None:
        if self.codes:
            self.client.get(f"/links/{self.rng.choice(self.codes)}/stats",
                            name="GET /links/{code}/stats")

    @task(1)
    def create(self) -> None:
        self._create()
