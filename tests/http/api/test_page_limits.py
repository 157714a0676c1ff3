"""Every paged list takes the same bounded ``limit``: 1 to 500, and 400 outside it.

The routes are read from the OpenAPI document, so a new list route is covered without
being named here.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from oms.http.params import MAX_PAGE_SIZE
from tests.support.world import World

# Values a path template needs to reach the handler; the handler's answer (404 or 200)
# does not matter as long as the limit was checked first.
_PATH_VALUES = {"uuid": "00000000-0000-0000-0000-000000000000", "int": "1", "str": "x"}


async def _list_routes(world: World) -> list[tuple[str, str, dict[str, str]]]:
    """(path with placeholders filled, query name, other required query parameters) for
    every GET taking a page size."""
    schema = (await world.client.get("/schema/openapi.json")).json()
    routes: list[tuple[str, str, dict[str, str]]] = []
    for path, item in schema["paths"].items():
        operation = item.get("get")
        if operation is None:
            continue
        query = [p for p in operation.get("parameters", []) if p["in"] == "query"]
        required = {p["name"]: "x" for p in query if p.get("required")}
        for parameter in query:
            if parameter["name"].endswith("limit"):
                routes.append((_fill(path, operation), parameter["name"], required))
    return routes


def _fill(path: str, operation: dict[str, Any]) -> str:
    kinds = {
        p["name"]: (p["schema"].get("format") == "uuid" and "uuid") or p["schema"].get("type")
        for p in operation.get("parameters", [])
        if p["in"] == "path"
    }
    return re.sub(r"\{(\w+)\}", lambda m: _PATH_VALUES.get(kinds.get(m.group(1), "str"), "x"), path)


async def test_every_list_is_bounded_the_same_way(world: World) -> None:
    headers = await world.token("admin")
    routes = await _list_routes(world)
    # orders, customers (search and a profile's orders), SKUs, levels, movements,
    # fulfilments, transfers: a route that lost its limit would drop out of this list.
    assert len(routes) >= 8, routes
    for path, name, required in routes:
        for bad in ("0", "-1", str(MAX_PAGE_SIZE + 1), "100000000", "ten"):
            params = {**required, name: bad}
            response = await world.client.get(path, params=params, headers=headers)
            assert response.status_code == 400, (path, name, bad, response.text)
            body = response.json()
            assert response.headers["content-type"].startswith("application/problem+json")
            assert body["code"] == "validation_error", (path, body)
            # The refusal names the limit, not some other parameter.
            assert any(e.get("key") == name for e in body["errors"]), (path, body)


@pytest.mark.parametrize("limit", [1, MAX_PAGE_SIZE])
async def test_orders_page_size_is_honoured(world: World, limit: int) -> None:
    headers = await world.token("admin")
    response = await world.client.get("/orders", params={"limit": limit}, headers=headers)
    assert response.status_code == 200, response.text
    assert len(response.json()["items"]) <= limit
