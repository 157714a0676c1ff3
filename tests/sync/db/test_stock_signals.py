"""Every kind of stock change signals the listed SKU at its location, in the change itself.

Nothing can change what a channel may sell without the sync hearing of it: each test makes
one kind of change through the API and reads the stock_signal table back. A SKU no
channel lists is never signalled (the hot path pays nothing for it), and a refused change
signals nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from oms.db.models import Location, Sku
from tests.support.fulfilment import advance, fulfilment, place
from tests.support.orders import pickup_at
from tests.support.sync import listing, signals, synced_channel
from tests.support.world import World

Change = Callable[[World, Location, Sku, dict[str, str]], Awaitable[Any]]


async def _post(world: World, path: str, body: dict[str, Any], headers: dict[str, str]) -> Any:
    response = await world.client.post(path, json=body, headers=headers)
    assert response.status_code in (200, 201), response.text
    return response.json()


async def receipt(world: World, store: Location, sku: Sku, admin: dict[str, str]) -> None:
    lines = [{"sku": sku.code, "quantity": 2}]
    await _post(world, "/inventory/receipts", {"location": store.code, "lines": lines}, admin)


async def walk_in_sale(world: World, store: Location, sku: Sku, admin: dict[str, str]) -> None:
    lines = [{"sku": sku.code, "quantity": 1}]
    await _post(world, "/inventory/sales", {"location": store.code, "lines": lines}, admin)


async def damage(world: World, store: Location, sku: Sku, admin: dict[str, str]) -> None:
    lines = [{"sku": sku.code, "quantity": 1}]
    await _post(world, "/inventory/damages", {"location": store.code, "lines": lines}, admin)


async def count(world: World, store: Location, sku: Sku, admin: dict[str, str]) -> None:
    lines = [{"sku": sku.code, "counted": 7}]
    await _post(world, "/inventory/counts", {"location": store.code, "lines": lines}, admin)


async def safety_stock(world: World, store: Location, sku: Sku, admin: dict[str, str]) -> None:
    response = await world.client.put(
        f"/inventory/levels/{store.code}/{sku.code}/safety-stock",
        json={"safety_stock": 2},
        headers=admin,
    )
    assert response.status_code == 200, response.text


async def hold(world: World, store: Location, sku: Sku, admin: dict[str, str]) -> None:
    lines = [{"sku": sku.code, "quantity": 1}]
    await _post(world, "/holds", {"location": store.code, "lines": lines}, admin)


async def stock_import(world: World, store: Location, sku: Sku, admin: dict[str, str]) -> None:
    response = await world.client.post(
        "/inventory/imports",
        content=f"location,sku,on_hand\n{store.code},{sku.code},9\n".encode(),
        headers={**admin, "Content-Type": "text/csv"},
    )
    assert response.status_code in (200, 201), response.text


async def order(world: World, store: Location, sku: Sku, admin: dict[str, str]) -> None:
    await place(world.client, world, await world.channel(), [(sku, 1)], pickup_at(store))


CHANGES: list[Change] = [
    receipt,
    walk_in_sale,
    damage,
    count,
    safety_stock,
    hold,
    stock_import,
    order,
]


@pytest.mark.parametrize("change", CHANGES, ids=[c.__name__ for c in CHANGES])
async def test_each_kind_of_change_signals_a_listed_sku(world: World, change: Change) -> None:
    store = await world.location()
    listed, unlisted = await world.sku(), await world.sku()
    for sku in (listed, unlisted):
        await world.stock(sku, store, 5)
    channel = await synced_channel(world)
    await listing(world, channel, listed)
    before = await signals(world, listed)
    admin = await world.token("admin")

    await change(world, store, listed, admin)
    await change(world, store, unlisted, admin)

    assert (await signals(world, listed))[len(before) :] == [store.id]
    assert await signals(world, unlisted) == []


async def test_release_ship_and_receive_signal_too(world: World) -> None:
    """Giving stock back and moving it: a hold released, a transfer, an order shipped."""
    warehouse, store = await world.location(kind="warehouse"), await world.location()
    sku = await world.sku()
    await world.stock(sku, warehouse, 10)
    await world.stock(sku, store, 10)
    await listing(world, await synced_channel(world), sku)
    admin = await world.token("admin")

    held = await _post(
        world,
        "/holds",
        {"location": store.code, "lines": [{"sku": sku.code, "quantity": 1}]},
        admin,
    )
    mark = len(await signals(world, sku))
    await _post(world, f"/holds/{held['id']}/release", {}, admin)
    assert (await signals(world, sku))[mark:] == [store.id]

    mark = len(await signals(world, sku))
    transfer = await _post(
        world,
        "/transfers",
        {
            "from_location": warehouse.code,
            "to_location": store.code,
            "lines": [{"sku": sku.code, "quantity": 2}],
            "reference": "TR-SYNC",
        },
        admin,
    )
    assert (await signals(world, sku))[mark:] == [warehouse.id]  # out of the warehouse
    received = await world.client.post(
        f"/transfers/{transfer['id']}/receive",
        json={"lines": [{"sku": sku.code, "received": 2}]},
        headers=admin,
    )
    assert received.status_code == 200, received.text
    assert (await signals(world, sku))[mark:] == [warehouse.id, store.id]

    order = await place(world.client, world, await world.channel(locations=(store,)), [(sku, 1)])
    f = fulfilment(order)
    mark = len(await signals(world, sku))
    await advance(world.client, admin, f["id"], "start-picking", "pack")
    shipped_order = await world.client.post(
        f"/fulfilments/{f['id']}/ship",
        json={"carrier": "dpd", "tracking_number": "TRACK1"},
        headers=admin,
    )
    assert shipped_order.status_code == 200, shipped_order.text
    assert (await signals(world, sku))[mark:] == [store.id]


async def test_a_refused_change_signals_nothing(world: World) -> None:
    store = await world.location()
    sku = await world.sku()
    await world.stock(sku, store, 1)
    await listing(world, await synced_channel(world), sku)
    before = await signals(world, sku)

    refused = await world.client.post(
        "/holds",
        json={"location": store.code, "lines": [{"sku": sku.code, "quantity": 5}]},
        headers=await world.token("admin"),
    )

    assert refused.status_code == 409, refused.text
    assert await signals(world, sku) == before
