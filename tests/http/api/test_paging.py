"""One page contract on every list: ``limit`` and ``cursor`` in, ``items`` and
``next_cursor`` out.

The list routes are read from the OpenAPI document (every GET answering an array, or an
object with an ``items`` array), so a new list is held to the contract without being
named here.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from oms.http.params import MAX_CURSOR_LENGTH, MAX_PAGE_SIZE
from tests.support.pages import read_all_pages
from tests.support.world import World

# Lists still answered whole, each until it is paged like the rest (none left). The test
# fails when one of them starts paging, so this list cannot go stale.
NOT_PAGED_YET: dict[str, str] = {}

# Reports whose lists page together under one cursor, instead of one ``items`` list.
PAGED_REPORTS = {"/admin/audit": ("ledger_mismatches", "hold_mismatches")}


def _resolve(schema: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref is None:
        return schema
    resolved: dict[str, Any] = document["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    return resolved


def _list_routes(document: dict[str, Any]) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    """path -> (the GET operation, its 200 JSON body schema) for every list."""
    lists = {}
    for path, item in document["paths"].items():
        operation = item.get("get")
        if operation is None:
            continue
        content = operation["responses"].get("200", {}).get("content", {})
        if "application/json" not in content:
            continue
        body = _resolve(content["application/json"]["schema"], document)
        items = body.get("properties", {}).get("items", {})
        if body.get("type") == "array" or items.get("type") == "array":
            lists[path] = (operation, body)
    return lists


async def test_every_list_route_takes_limit_and_cursor_and_answers_a_page(world: World) -> None:
    document = (await world.client.get("/schema/openapi.json")).json()
    lists = _list_routes(document)
    # levels, movements, transfers, fulfilments, orders with their events, routing and
    # returns, customers, SKUs, locations, channels, tokens, problems: a list that stopped
    # being recognised would drop out here.
    assert len(lists) >= 14 + len(NOT_PAGED_YET), sorted(lists)

    paged = {path: found for path, found in lists.items() if path not in NOT_PAGED_YET}
    for path, (operation, body) in paged.items():
        query = {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "query"}
        assert {"limit", "cursor"} <= set(query), (path, sorted(query))
        # The shared PageLimit and PageCursor, not look-alikes with bounds of their own.
        assert query["limit"]["schema"]["maximum"] == MAX_PAGE_SIZE, path
        assert query["cursor"]["schema"]["maxLength"] == MAX_CURSOR_LENGTH, path
        assert body.get("type") == "object", (path, "a bare array is not a page")
        properties = body["properties"]
        assert properties["items"]["type"] == "array", path
        cursor_types = {option.get("type") for option in properties["next_cursor"]["oneOf"]}
        assert cursor_types == {"string", "null"}, (path, properties["next_cursor"])

    for path, lists_in_report in PAGED_REPORTS.items():
        operation = document["paths"][path]["get"]
        names = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
        assert {"limit", "cursor"} <= names, (path, sorted(names))
        content = operation["responses"]["200"]["content"]["application/json"]
        properties = _resolve(content["schema"], document)["properties"]
        assert all(properties[name]["type"] == "array" for name in lists_in_report), path
        assert "next_cursor" in properties, path

    for path in NOT_PAGED_YET:
        assert path in lists, f"{path} is no longer a list: take it off NOT_PAGED_YET"
        operation, body = lists[path]
        pages = "next_cursor" in body.get("properties", {})
        assert not pages, f"{path} pages now: take it off NOT_PAGED_YET"


async def test_every_paged_list_refuses_a_cursor_it_did_not_issue(world: World) -> None:
    document = (await world.client.get("/schema/openapi.json")).json()
    store = await world.location()
    admin = await world.token("admin")
    probed = []
    routes = _list_routes(document)
    routes |= {path: (document["paths"][path]["get"], {}) for path in PAGED_REPORTS}
    for path, (operation, _) in routes.items():
        if path in NOT_PAGED_YET or "{" in path:
            continue
        required = {
            p["name"]: store.code
            for p in operation.get("parameters", [])
            if p["in"] == "query" and p.get("required")
        }
        params = {**required, "cursor": "bm90IG91cnM"}  # base64 of "not ours"
        response = await world.client.get(path, params=params, headers=admin)
        assert (response.status_code, response.json()["code"]) == (422, "invalid_input"), (
            path,
            response.text,
        )
        probed.append(path)
    assert len(probed) >= 9, probed


# Lists of the whole network, whatever other tests wrote: (path, the table, its key column).
_NETWORK_LISTS = [
    ("/locations", "location", "code"),
    ("/channels", "channel", "code"),
    # Staff sign-ins are tokens of kind "session", never listed with the API tokens.
    ("/tokens", "api_token WHERE kind = 'api'", "id"),
]


@pytest.mark.parametrize(("path", "table", "key"), _NETWORK_LISTS)
async def test_network_lists_page_through_every_row_once(
    world: World, path: str, table: str, key: str
) -> None:
    for _ in range(3):  # at least three rows, so a page of a third of them is not the last
        await world.location()
        await world.channel()
        await world.token("admin")
    admin = await world.token("admin")
    async with world.sessionmaker() as session:
        stored = await session.scalar(text(f"SELECT count(*) FROM {table}"))
    assert stored is not None
    assert stored >= 3
    limit = max(1, stored // 3)  # three pages or four, whatever the suite has written

    listed = await read_all_pages(world.client, path, admin, limit)

    keys = [item[key] for item in listed]
    assert len(keys) == stored
    assert len(set(keys)) == stored
    whole = await read_all_pages(world.client, path, admin, 500)
    assert keys == [item[key] for item in whole]
