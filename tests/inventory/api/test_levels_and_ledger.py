"""Stock levels and the ledger through the HTTP API: safety stock, listing, paging, access."""

from __future__ import annotations

from typing import Any

from tests.support.pages import read_all_pages
from tests.support.stock import movements
from tests.support.world import World


async def test_safety_stock_is_set_without_a_movement(world: World) -> None:
    store = await world.location()
    sku, fresh = await world.sku(), await world.sku()
    await world.stock(sku, store, 10)
    manager = await world.token("store_manager", (store,))

    response = await world.client.put(
        f"/inventory/levels/{store.code}/{sku.code}/safety-stock",
        json={"safety_stock": 3},
        headers=manager,
    )
    assert response.status_code == 200, response.text
    assert (response.json()["on_hand"], response.json()["available"]) == (10, 7)
    created = await world.client.put(
        f"/inventory/levels/{store.code}/{fresh.code}/safety-stock",
        json={"safety_stock": 2},
        headers=manager,
    )
    assert created.status_code == 200
    assert await world.level(fresh, store) == {"on_hand": 0, "reserved": 0, "safety_stock": 2}
    admin = await world.token("admin")
    assert await movements(world, admin, location=store.code, sku=fresh.code) == []

    associate = await world.token("associate", (store,))
    refused = await world.client.put(
        f"/inventory/levels/{store.code}/{sku.code}/safety-stock",
        json={"safety_stock": 0},
        headers=associate,
    )
    assert refused.status_code == 403
    assert (await world.level(sku, store))["safety_stock"] == 3
    await world.assert_audit_clean()


async def test_associate_is_confined_to_their_store(world: World) -> None:
    mine, other = await world.location(), await world.location()
    sku = await world.sku()
    await world.stock(sku, mine, 5)
    await world.stock(sku, other, 5)
    headers = await world.token("associate", (mine,))

    receive = await world.client.post(
        "/inventory/receipts",
        json={"location": other.code, "lines": [{"sku": sku.code, "quantity": 1}]},
        headers=headers,
    )
    assert receive.status_code == 403
    assert receive.json()["code"] == "forbidden"
    assert (await world.level(sku, other))["on_hand"] == 5

    hidden = await world.client.get(
        "/inventory/movements", params={"location": other.code}, headers=headers
    )
    assert hidden.status_code == 404
    assert hidden.headers["content-type"].startswith("application/problem+json")
    hidden_levels = await world.client.get(
        "/inventory/levels", params={"location": other.code}, headers=headers
    )
    assert hidden_levels.status_code == 404

    seen = await movements(world, headers, sku=sku.code)
    assert {row["location"] for row in seen} == {mine.code}
    levels = await world.client.get("/inventory/levels", params={"sku": sku.code}, headers=headers)
    assert [item["location"] for item in levels.json()["items"]] == [mine.code]

    lookup = await world.client.get(f"/stock/{sku.code}", headers=headers)
    assert lookup.status_code == 200
    assert {entry["location"] for entry in lookup.json()["locations"]} == {mine.code, other.code}


async def test_integration_token_cannot_move_or_read_stock_detail(world: World) -> None:
    store = await world.location()
    sku = await world.sku()
    headers = await world.token("integration", channel="web")
    receive = await world.client.post(
        "/inventory/receipts",
        json={"location": store.code, "lines": [{"sku": sku.code, "quantity": 1}]},
        headers=headers,
    )
    assert receive.status_code == 403
    ledger = await world.client.get("/inventory/movements", headers=headers)
    assert ledger.status_code == 403
    assert (await world.level(sku, store))["on_hand"] == 0


async def test_levels_and_movements_page_by_keyset(world: World) -> None:
    store = await world.location()
    skus = [await world.sku() for _ in range(5)]
    for sku in skus:
        await world.stock(sku, store, 1)
    headers = await world.token("associate", (store,))

    seen: list[str] = []
    cursor = None
    for _ in range(5):
        params: dict[str, Any] = {"location": store.code, "limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = (await world.client.get("/inventory/levels", params=params, headers=headers)).json()
        seen += [item["sku"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [sku.code for sku in skus]

    ids: list[int] = []
    after_id = None
    for _ in range(5):
        params = {"location": store.code, "limit": 2}
        if after_id is not None:
            params["after_id"] = after_id
        page = (
            await world.client.get("/inventory/movements", params=params, headers=headers)
        ).json()
        ids += [item["id"] for item in page["items"]]
        after_id = page["next_after_id"]
        if after_id is None:
            break
    assert len(ids) == 5
    assert ids == sorted(ids)

    bad = await world.client.get(
        "/inventory/levels", params={"cursor": "not-a-cursor"}, headers=headers
    )
    assert bad.status_code == 422


async def test_movements_page_by_cursor_and_after_id_stays_an_alias(world: World) -> None:
    store = await world.location()
    for _ in range(5):
        await world.stock(await world.sku(), store, 1)
    headers = await world.token("associate", (store,))

    paged = await read_all_pages(
        world.client, "/inventory/movements", headers, 2, location=store.code
    )
    ids = [item["id"] for item in paged]
    assert len(ids) == len(set(ids)) == 5
    assert ids == sorted(ids)

    first = (
        await world.client.get(
            "/inventory/movements", params={"location": store.code, "limit": 2}, headers=headers
        )
    ).json()
    assert first["next_after_id"] == ids[1]
    both = await world.client.get(
        "/inventory/movements",
        params={"cursor": first["next_cursor"], "after_id": first["next_after_id"]},
        headers=headers,
    )
    assert (both.status_code, both.json()["code"]) == (422, "invalid_input")
