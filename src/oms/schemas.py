"""Shared building blocks for the typed request/response schemas at the API edge."""

from __future__ import annotations

from typing import Annotated

import msgspec

from oms.domain.patterns import whole
from oms.domain.stock import MAX_QUANTITY


class Input(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """Base for request bodies: unknown fields are an error, not silently ignored.

    Subclasses repeat ``frozen=True``: msgspec inherits it anyway, but type checkers
    model structs as dataclasses and refuse a non-frozen subclass of a frozen one.
    """


class Output(msgspec.Struct, frozen=True, kw_only=True):
    """Base for response bodies."""


Code = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=whole(r"[A-Za-z0-9._\-]+"))]
LocationCode = Annotated[
    str, msgspec.Meta(min_length=1, max_length=32, pattern=whole(r"[A-Za-z0-9._\-]+"))
]
Quantity = Annotated[int, msgspec.Meta(ge=1, le=MAX_QUANTITY)]
Count = Annotated[int, msgspec.Meta(ge=0, le=MAX_QUANTITY)]
Delta = Annotated[int, msgspec.Meta(ge=-MAX_QUANTITY, le=MAX_QUANTITY)]
Reference = Annotated[str, msgspec.Meta(min_length=1, max_length=128)]
ReasonCode = Annotated[
    str, msgspec.Meta(min_length=1, max_length=64, pattern=whole(r"[a-z][a-z0-9_]*"))
]
Note = Annotated[str, msgspec.Meta(max_length=1000)]


class Page(Output, frozen=True, kw_only=True):
    """The one answer of every list route: ``items`` and ``next_cursor``.

    Each page declares ``items: list[ItemOut]`` itself (a generic ``Page[T]`` would lose
    the item type in the OpenAPI document). ``next_cursor`` goes back as ``cursor`` for
    the next page; it is null on the last one. Routes take ``PageLimit`` and ``PageCursor``
    (``oms.http.params``).
    """

    next_cursor: str | None = None
