"""Reading a paged list to its end, the way a client does: ``cursor`` from ``next_cursor``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from oms.http.params import MAX_PAGE_SIZE

# More pages than any test writes rows for: a cursor that never ends fails, not hangs.
_MAX_PAGES = 50


async def read_all_pages(
    client: httpx.AsyncClient,
    path: str,
    headers: Mapping[str, str],
    limit: int,
    **params: Any,
) -> list[dict[str, Any]]:
    """Every item of the list, ``limit`` at a time, checking that each page holds at most
    ``limit`` items and that only a full page promises another."""
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(_MAX_PAGES):
        query = {**params, "limit": limit} | ({"cursor": cursor} if cursor else {})
        response = await client.get(path, params=query, headers=dict(headers))
        assert response.status_code == 200, response.text
        page = response.json()
        assert len(page["items"]) <= limit, page
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items
        assert len(page["items"]) == limit, page
    raise AssertionError(f"{path} still had a next page after {_MAX_PAGES} pages")


async def read_whole_list(
    client: httpx.AsyncClient, path: str, headers: Mapping[str, str], **params: Any
) -> list[dict[str, Any]]:
    """Every item of the list, in pages of the largest size."""
    return await read_all_pages(client, path, headers, MAX_PAGE_SIZE, **params)
