"""Reading a paged list to its end, the way a client does: ``cursor`` from ``next_cursor``."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

# More pages than any test writes rows for: a cursor that never ends fails, not hangs.
_MAX_PAGES = 50


async def read_all_pages(
    client: AsyncTestClient,  # type: ignore[type-arg]
    path: str,
    headers: dict[str, str],
    limit: int,
    **params: Any,
) -> list[dict[str, Any]]:
    """Every item of the list, ``limit`` at a time, checking that each page holds at most
    ``limit`` items and that only a full page promises another."""
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(_MAX_PAGES):
        query = {**params, "limit": limit} | ({"cursor": cursor} if cursor else {})
        response = await client.get(path, params=query, headers=headers)
        assert response.status_code == 200, response.text
        page = response.json()
        assert len(page["items"]) <= limit, page
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items
        assert len(page["items"]) == limit, page
    raise AssertionError(f"{path} still had a next page after {_MAX_PAGES} pages")
