"""Opaque keyset cursors: the last row's sort key as URL-safe text the client hands back.

Every paged list encodes its key the same way; a cursor that does not decode to a key of
the expected shape is refused as invalid input, never passed on to a query.
"""

from __future__ import annotations

import base64
import json
import uuid
from datetime import datetime
from typing import Any

from oms.domain.errors import InvalidInput


def encode_cursor(*key: str | int) -> str:
    """An opaque, URL-safe page cursor for ``key``; ``decode_cursor`` reads it back."""
    raw = json.dumps(key, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, *types: type[str] | type[int]) -> tuple[Any, ...]:
    """The key, checked to have one value of each of ``types`` in order."""
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except ValueError:  # bad base64, bad UTF-8 and bad JSON are all ValueErrors
        key = None
    if (
        not isinstance(key, list)
        or len(key) != len(types)
        or not all(type(value) is wanted for value, wanted in zip(key, types, strict=True))
    ):
        raise InvalidInput("cursor is not one this API returned", cursor=cursor)
    return tuple(key)


def encode_time_key(at: datetime, row_id: uuid.UUID) -> str:
    """The cursor of a list ordered by creation time, its id breaking ties."""
    return encode_cursor(at.isoformat(), str(row_id))


def decode_time_key(cursor: str) -> tuple[datetime, uuid.UUID]:
    """The (created_at, id) that ``encode_time_key`` encoded; InvalidInput for any other cursor."""
    at, row_id = decode_cursor(cursor, str, str)
    try:
        return datetime.fromisoformat(at), uuid.UUID(row_id)
    except ValueError:
        raise InvalidInput("cursor is not one this API returned", cursor=cursor) from None
