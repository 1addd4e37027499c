"""The load profile of notes-jwt: what kata's load grader sends, to the learner's app and
to the reference solution alike (users, duration and SLOs are in exercise.toml).

Each simulated user registers and logs in once, on start (the slow password hash is paid
before the measured window), then works with its own notes with its bearer token: mostly
reads of single notes and of its list, some edits, and notes created and deleted again (so
each list keeps its size). Every request is valid: the load test measures speed; the
contract tests judge correctness and the attacks.
"""

from __future__ import annotations

import itertools
import random
import uuid

from locust import FastHttpUser, constant, task

_serial = itertools.count()
_run = uuid.uuid4().hex[:10]  # one app is measured twice (a confirmation): new names each time


def _note(rng: random.Random) -> dict:
    n = next(_serial)
    return {"title": f"load note {n}", "body": rng.choice(["", f"written under load, #{n}"])}


class NotesUser(FastHttpUser):
    wait_time = constant(0)  # closed loop: each user sends its next request on the answer
    max_redirects = 0  # a redirect is the app's answer; following it could reach the host

    def on_start(self) -> None:
        n = next(_serial)
        self.rng = random.Random(n)
        self.ids: list[int] = []
        self.auth: dict[str, str] = {}
        creds = {"username": f"load_{_run}_{n}", "password": f"load-password-{_run}-{n}"}
        with self.client.post("/auth/register", json=creds, name="POST /auth/register",
                              catch_response=True) as r:
            if r.status_code not in (200, 201):
                r.failure(f"could not register: {r.status_code}")
                return
        with self.client.post("/auth/login", json=creds, name="POST /auth/login",
                              catch_response=True) as r:
            answer = r.json() if r.status_code == 200 else None
            token = answer.get("access_token") if isinstance(answer, dict) else None
            if not isinstance(token, str):
                r.failure(f"could not log in: {r.status_code}")
                return
        self.auth = {"Authorization": f"Bearer {token}"}
        for _ in range(3):
            self._create()

    def _create(self) -> int | None:
        with self.client.post("/notes", json=_note(self.rng), headers=self.auth,
                              name="POST /notes", catch_response=True) as r:
            note = r.json() if r.status_code in (200, 201) else None
            if not isinstance(note, dict) or not isinstance(note.get("id"), int):
                r.failure(f"could not create a note: {r.status_code}")
                return None
        self.ids.append(note["id"])
        return note["id"]

    def _some_id(self) -> int | None:
        return self.rng.choice(self.ids) if self.ids else None

    @task(10)
    def read_note(self) -> None:
        if (note_id := self._some_id()) is not None:
            self.client.get(f"/notes/{note_id}", headers=self.auth, name="GET /notes/{id}")

    @task(5)
    def list_notes(self) -> None:
        self.client.get("/notes", headers=self.auth, name="GET /notes")

    @task(2)
    def update_note(self) -> None:
        if (note_id := self._some_id()) is not None:
            self.client.put(f"/notes/{note_id}", json=_note(self.rng), headers=self.auth,
                            name="PUT /notes/{id}")

    @task(2)
    def create_and_delete(self) -> None:
        if (note_id := self._create()) is not None:
            self.ids.remove(note_id)
            self.client.delete(f"/notes/{note_id}", headers=self.auth, name="DELETE /notes/{id}")

    @task(2)
    def me(self) -> None:
        self.client.get("/users/me", headers=self.auth, name="GET /users/me")
