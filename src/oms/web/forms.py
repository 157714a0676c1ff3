"""Form posts: the media types the app's forms send, and their values turned into the
API's own request bodies."""

from __future__ import annotations

from typing import Any, TypeVar

import msgspec

from oms.domain.errors import InvalidInput

T = TypeVar("T")

# ``opt={"content_types": FORM}`` on every form route (the API accepts JSON only).
FORM = ("application/x-www-form-urlencoded", "multipart/form-data")


def api_input(kind: type[T], **fields: Any) -> T:
    """The API's request body built from form fields, checked as the API checks it (lengths,
    patterns, quantity limits, "one or the other"); InvalidInput naming the field otherwise."""
    try:
        # Form values are text: numbers are read from it, then held to the API's limits.
        return msgspec.convert(fields, kind, strict=False)
    except msgspec.ValidationError as exc:
        raise InvalidInput(f"Please check the form: {exc}") from None
