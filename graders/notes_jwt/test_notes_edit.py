"""notes-edit: PUT /notes/{id} replaces a note; DELETE answers 204 and the note is gone;
an id no note of the caller has answers 404 with a JSON detail."""

from __future__ import annotations

import pytest

from kata.testing import describe, requirement

from ._client import Api, check_note, expect, expect_detail, json_of, said


@requirement("notes-edit", basic=True)
def test_put_replaces_the_note(api: Api) -> None:
    user = api.user()
    note = api.create_note(user)
    change = api.note_payload()
    r = api.http.put(f"/notes/{note['id']}", json=change, headers=user.auth)
    expect(r, 200)
    check_note(r, json_of(r), {"id": note["id"], **change})
    r = api.http.get(f"/notes/{note['id']}", headers=user.auth)
    expect(r, 200)
    check_note(r, json_of(r), {"id": note["id"], **change}, context="(after the PUT)")


@requirement("notes-edit")
def test_put_without_a_body_empties_it(api: Api) -> None:
    user = api.user()
    note = api.create_note(user)
    title = api.note_payload()["title"]
    r = api.http.put(f"/notes/{note['id']}", json={"title": title}, headers=user.auth)
    expect(r, 200)
    check_note(r, json_of(r), {"id": note["id"], "title": title, "body": ""},
               context="(PUT replaces the whole note: a body not sent becomes \"\")")


@requirement("notes-edit", basic=True)
def test_delete_answers_204_and_the_note_is_gone(api: Api) -> None:
    user = api.user()
    note = api.create_note(user)
    r = api.http.delete(f"/notes/{note['id']}", headers=user.auth)
    expect(r, 204)
    if r.content:
        raise AssertionError(f"{said(r)} → expected 204 with no body, got {describe(r)}")
    r = api.http.get(f"/notes/{note['id']}", headers=user.auth)
    expect_detail(r, 404, "the note was just deleted")
    if note["id"] in api.list_ids(user):
        raise AssertionError(f"GET /notes still lists note {note['id']} after its DELETE")


@requirement("notes-edit")
@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_an_unknown_id_is_404(api: Api, method: str) -> None:
    user = api.user()
    missing = api.create_note(user)["id"] + 1_000_000_000
    body = api.note_payload() if method == "PUT" else None
    r = api.http.request(method, f"/notes/{missing}", json=body, headers=user.auth)
    expect_detail(r, 404, "no note has this id")
