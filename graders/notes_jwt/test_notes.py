"""notes: POST /notes answers 201 with the note; GET /notes/{id} returns it; GET /notes
lists exactly the caller's notes, ordered by id."""

from __future__ import annotations

from kata.testing import describe, requirement

from ._client import Api, check_note, expect, is_int, json_of, said


@requirement("notes", basic=True)
def test_a_created_note_reads_back(api: Api) -> None:
    user = api.user()
    payload = api.note_payload()
    r = api.http.post("/notes", json=payload, headers=user.auth)
    expect(r, 201)
    note = json_of(r)
    check_note(r, note, payload)
    if not is_int(note.get("id")):
        raise AssertionError(f'{said(r)} → expected an integer "id", got {describe(r)}')
    r = api.http.get(f"/notes/{note['id']}", headers=user.auth)
    expect(r, 200, why="the note was just created")
    check_note(r, json_of(r), {"id": note["id"], **payload}, context="(as created)")


@requirement("notes")
def test_a_note_without_a_body_has_an_empty_one(api: Api) -> None:
    user = api.user()
    title = api.note_payload()["title"]
    r = api.http.post("/notes", json={"title": title}, headers=user.auth)
    expect(r, 201)
    check_note(r, json_of(r), {"title": title, "body": ""}, context='(body "" when not sent)')


@requirement("notes")
def test_the_list_is_exactly_the_callers_notes_in_id_order(api: Api) -> None:
    user = api.user()
    created = [api.create_note(user) for _ in range(3)]
    r = api.http.get("/notes", headers=user.auth)
    expect(r, 200)
    page = json_of(r)
    items = page.get("items") if isinstance(page, dict) else None
    if not isinstance(items, list):
        raise AssertionError(f'{said(r)} → expected {{"items": [...]}}, got {describe(r)}')
    want = sorted(n["id"] for n in created)
    got = [n.get("id") if isinstance(n, dict) else n for n in items]
    if got != want:
        raise AssertionError(f"{said(r)} → a user who created notes {want} should see exactly "
                             f"those, in id order; got ids {got[:10]}")
    for note, item in zip(sorted(created, key=lambda n: n["id"]), items):
        check_note(r, item, {k: note[k] for k in ("id", "title", "body") if k in note},
                   context="(in the list)")
