"""Token administration bodies. The secret appears once, in the creation response."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

from oms.schemas import Input, LocationCode, Output, Page

# ``oms.domain.access.TOKEN_ROLES`` spelled out: msgspec and the OpenAPI document need plain
# strings here (a unit test keeps the two equal).
TokenRole = Literal["admin", "store_manager", "associate", "integration"]


class TokenIn(Input, frozen=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    role: TokenRole
    locations: Annotated[list[LocationCode], msgspec.Meta(max_length=100)] = []
    channel: Annotated[str, msgspec.Meta(min_length=1, max_length=32)] | None = None


class TokenOut(Output, frozen=True):
    id: int
    name: str
    role: TokenRole
    locations: list[str]
    channel: str | None
    created_at: datetime
    revoked_at: datetime | None


class CreatedToken(Output, frozen=True):
    token: TokenOut
    # Shown once; only its hash is stored.
    secret: str


class TokenList(Page, frozen=True):
    items: list[TokenOut]
