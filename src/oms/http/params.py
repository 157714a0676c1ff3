"""Query parameters shared by every route, declared once so their bounds cannot drift.

Every list route takes ``limit: PageLimit`` and ``cursor: PageCursor`` and answers an
``oms.schemas.Page`` (``items`` and ``next_cursor``); ``tests/http/api/test_paging.py``
holds every list in the OpenAPI document to it.
"""

from __future__ import annotations

from typing import Annotated, TypeAlias

from litestar.params import QueryParameter

MAX_PAGE_SIZE = 500
MAX_CURSOR_LENGTH = 600

# Declared straight on ``int``: Litestar rebuilds the annotation from the QueryParameter,
# so bounds on a nested ``Annotated`` alias would be lost (and ``limit=-1`` reach SQL).
PageLimit: TypeAlias = Annotated[
    int,
    QueryParameter(
        ge=1, le=MAX_PAGE_SIZE, description=f"Page size, 1 to {MAX_PAGE_SIZE}; 400 outside it"
    ),
]

PageCursor: TypeAlias = Annotated[
    str | None,
    QueryParameter(
        min_length=1,
        max_length=MAX_CURSOR_LENGTH,
        description=(
            "The previous page's `next_cursor`, to read on from there; omit it for the first"
            " page. Anything this API did not return is 422 `invalid_input`"
        ),
    ),
]
