"""The request and response bodies, as in openapi.yaml."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

# PostgreSQL text cannot hold U+0000, so refuse it here (422) rather than fail in the
# database (500).
NO_NUL = r"^[^\x00]*$"

Username = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]{3,32}$")]
Password = Annotated[str, Field(min_length=8, max_length=128)]
Title = Annotated[str, Field(min_length=1, max_length=200, pattern=NO_NUL)]
Body = Annotated[str, Field(max_length=10_000, pattern=NO_NUL)]


class Credentials(BaseModel):
    username: Username
    password: Password


class User(BaseModel):
    id: int
    username: str


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


class NoteIn(BaseModel):
    title: Title
    body: Body = ""


class Note(BaseModel):
    id: int
    title: str
    body: str


class NoteList(BaseModel):
    items: list[Note]


class Health(BaseModel):
    status: str
