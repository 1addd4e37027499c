"""The request and response bodies, as in openapi.yaml."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, Field

INT32_MAX = 2_147_483_647

# PostgreSQL text cannot hold U+0000, so refuse it here (422) rather than fail in the
# database (500).
NO_NUL = r"^[^\x00]*$"


def whole_number(value: Any) -> Any:
    """JSON Schema counts 7.0 as an integer, so accept it as 7 (but not 7.5 or "7")."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


Name = Annotated[str, Field(min_length=1, max_length=100, pattern=NO_NUL)]
Description = Annotated[str, Field(max_length=1000, pattern=NO_NUL)] | None
# strict: JSON numbers only — "1.5" (a string) and true are refused, not coerced.
Price = Annotated[float, Field(strict=True, ge=0, allow_inf_nan=False)]
Quantity = Annotated[int, BeforeValidator(whole_number), Field(strict=True, ge=0, le=INT32_MAX)]


class ItemIn(BaseModel):
    name: Name
    description: Description = None
    price: Price
    quantity: Quantity = 0


class Item(BaseModel):
    id: int
    name: Name
    description: Description
    price: Price
    quantity: Quantity


class ItemPage(BaseModel):
    items: list[Item]
    total: int
    limit: int
    offset: int


class Health(BaseModel):
    status: str
