"""Query parameters shared by every route, declared once so their bounds cannot drift."""

from __future__ import annotations

from typing import Annotated, TypeAlias

from litestar.params import QueryParameter

MAX_PAGE_SIZE = 500

# Declared straight on ``int``: Litestar rebuilds the annotation from the QueryParameter,
# so bounds on a nested ``Annotated`` alias would be lost (and ``limit=-1`` reach SQL).
PageLimit: TypeAlias = Annotated[
    int,
    QueryParameter(
        ge=1, le=MAX_PAGE_SIZE, description=f"Page size, 1 to {MAX_PAGE_SIZE}; 400 outside it"
    ),
]
