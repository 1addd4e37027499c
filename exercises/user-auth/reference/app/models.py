"""The request and response bodies (see spec.md)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field

# Something@something.tld, no spaces, no NUL (PostgreSQL text cannot hold U+0000).
EMAIL_PATTERN = r"^[^@\s\x00]+@[^@\s\x00]+\.[^@\s\x00]+$"


def _password_bytes(value: str) -> str:
    size = len(value.encode("utf-8"))
    if not 8 <= size <= 72:
        raise ValueError("a password is 8 to 72 bytes of UTF-8")
    if "\x00" in value:
        raise ValueError("a password cannot hold U+0000")
    return value


Email = Annotated[str, Field(max_length=254, pattern=EMAIL_PATTERN)]
Password = Annotated[str, AfterValidator(_password_bytes)]


class Registration(BaseModel):
    email: Email
    password: Password


class Credentials(BaseModel):
    """A login: any strings; a wrong one is a 401, not a 422."""

    email: str
    password: str


class PasswordChange(BaseModel):
    current_password: str
    new_password: Password


class User(BaseModel):
    id: int
    email: str


class Session(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


class Health(BaseModel):
    status: str
