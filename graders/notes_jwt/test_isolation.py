"""isolation: another user's note answers 404 — not 403, which would tell the caller the
note exists — on GET, PUT and DELETE; it is not in their list and stays as it was."""

from __future__ import annotations

from typing import Any

import httpx

from kata.testing import describe, requirement

from ._client import Api, User, check_note, expect, json_of, said


def _hidden(r: httpx.Response, owner: User) -> None:
    if r.status_code == 403:
        raise AssertionError(f"{said(r)} → expected 404: the note belongs to another user "
                             f"(#{owner.id}), and a 403 tells the caller that it exists; got "
                             f"{describe(r)}")
    if 200 <= r.status_code < 300:
        raise AssertionError(f"{said(r)} → expected 404: the note belongs to another user "
                             f"(#{owner.id}), yet the app let this user at it: {describe(r)}")
    expect(r, 404, why=f"the note belongs to another user (#{owner.id})")
    error = json_of(r)
    if not isinstance(error, dict) or not isinstance(error.get("detail"), str):
        raise AssertionError(f'{said(r)} → expected a JSON body like {{"detail": "…"}}, got '
                             f"{describe(r)}")


def _unchanged(api: Api, owner: User, note: dict[str, Any], after: str) -> None:
    r = api.http.get(f"/notes/{note['id']}", headers=owner.auth)
    if r.status_code == 404:
        raise AssertionError(f"{said(r)} → the owner's note is gone {after}: expected it "
                             f"untouched, got {describe(r)}")
    expect(r, 200, why=f"the owner reads their note {after}")
    check_note(r, json_of(r), note, context=f"(the owner's note, {after})")


@requirement("isolation", basic=True)
def test_another_users_note_cannot_be_read_or_listed(api: Api) -> None:
    owner, other = api.user(), api.user()
    note = api.create_note(owner)
    _hidden(api.http.get(f"/notes/{note['id']}", headers=other.auth), owner)
    if note["id"] in api.list_ids(other):
        raise AssertionError(f"GET /notes as user #{other.id} lists note {note['id']}, which "
                             f"belongs to user #{owner.id}")


@requirement("isolation")
def test_another_users_note_cannot_be_replaced(api: Api) -> None:
    owner, other = api.user(), api.user()
    note = api.create_note(owner)
    _hidden(api.http.put(f"/notes/{note['id']}", json=api.note_payload(), headers=other.auth),
            owner)
    _unchanged(api, owner, note, "after another user's PUT")


@requirement("isolation")
def test_another_users_note_cannot_be_deleted(api: Api) -> None:
    owner, other = api.user(), api.user()
    note = api.create_note(owner)
    _hidden(api.http.delete(f"/notes/{note['id']}", headers=other.auth), owner)
    _unchanged(api, owner, note, "after another user's DELETE")
