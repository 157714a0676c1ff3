"""Who places orders on which channel: store staff only where the channel allows staff
ordering (tills and the web shop, not marketplaces); a marketplace's client only on its
own channel; admins anywhere. A refused order writes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from oms.db.models import Channel, Location, Sku
from tests.support.fulfilment import Client, rows
from tests.support.orders import order_body, pickup_at
from tests.support.readback import assert_placed_as_read_back, place_and_read_back
from tests.support.world import World


async def _shop(world: World) -> tuple[Location, Sku]:
    store, sku = await world.location(), await world.sku()
    await world.stock(sku, store, 10)
    return store, sku


def _body(channel: Channel, sku: Sku, store: Location, **extra: Any) -> dict[str, Any]:
    return order_body(channel.code, [(sku, 1)], [pickup_at(store)], price=0, **extra)


async def _nothing_written(world: World, sku: Sku, store: Location, body: dict[str, Any]) -> None:
    assert (
        await rows(world, "SELECT 1 FROM sales_order WHERE external_id = :e", e=body["external_id"])
        == []
    )
    email = body["customer"]["email"]
    assert await rows(world, "SELECT 1 FROM customer WHERE email = :e", e=email) == []
    assert await world.level(sku, store) == {"on_hand": 10, "reserved": 0, "safety_stock": 0}


@pytest.mark.parametrize("role", ["associate", "store_manager"])
async def test_store_staff_cannot_order_on_a_marketplace(
    client: Client, world: World, role: str
) -> None:
    store, sku = await _shop(world)
    marketplace = await world.channel(kind="marketplace")
    staff = await world.token(role, locations=(store,))
    body = _body(marketplace, sku, store)

    refused = await client.post("/orders", json=body, headers=staff)

    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden"), refused.text
    assert marketplace.code in refused.json()["detail"]
    await _nothing_written(world, sku, store, body)


@pytest.mark.parametrize("kind", ["pos", "web"])
async def test_store_staff_order_on_tills_and_the_web_shop(
    client: Client, world: World, kind: str
) -> None:
    store, sku = await _shop(world)
    channel = await world.channel(kind=kind)
    staff = await world.token("associate", locations=(store,))
    placed = await client.post("/orders", json=_body(channel, sku, store), headers=staff)
    assert placed.status_code == 201, placed.text
    read = await client.get(f"/orders/{placed.json()['id']}", headers=staff)
    assert read.json()["channel"] == channel.code
    await assert_placed_as_read_back(client, staff, placed.json())


async def test_the_channel_setting_decides(client: Client, world: World) -> None:
    store, sku = await _shop(world)
    channel = await world.channel(kind="web")
    admin = await world.token("admin")
    staff = await world.token("associate", locations=(store,))
    closed = await client.patch(
        f"/channels/{channel.code}", json={"staff_orders": False}, headers=admin
    )
    assert closed.status_code == 200, closed.text
    body = _body(channel, sku, store)
    refused = await client.post("/orders", json=body, headers=staff)
    assert refused.status_code == 403
    await _nothing_written(world, sku, store, body)

    opened = await client.patch(
        f"/channels/{channel.code}", json={"staff_orders": True}, headers=admin
    )
    assert opened.status_code == 200, opened.text
    placed = await client.post("/orders", json=body, headers=staff)
    assert placed.status_code == 201, placed.text
    await assert_placed_as_read_back(client, staff, placed.json())


async def test_a_refused_caller_learns_nothing_of_an_existing_marketplace_order(
    client: Client, world: World
) -> None:
    store, sku = await _shop(world)
    marketplace = await world.channel(kind="marketplace")
    owner = await world.token("integration", channel=marketplace.code)
    body = _body(marketplace, sku, store)
    placed = await client.post("/orders", json=body, headers=owner)
    assert placed.status_code == 201, placed.text
    await assert_placed_as_read_back(client, owner, placed.json())

    staff = await world.token("associate", locations=(store,))
    resent = await client.post("/orders", json=body, headers=staff)
    assert (resent.status_code, resent.json()["code"]) == (403, "forbidden")
    assert placed.json()["id"] not in resent.text


async def test_admins_anywhere_and_integrations_on_their_own_channel(
    client: Client, world: World
) -> None:
    store, sku = await _shop(world)
    marketplace, web = await world.channel(kind="marketplace"), await world.channel(kind="web")
    admin = await world.token("admin")
    await place_and_read_back(client, admin, _body(marketplace, sku, store))
    own = await world.token("integration", channel=marketplace.code)
    await place_and_read_back(client, own, _body(marketplace, sku, store))
    body = _body(web, sku, store)
    other = await client.post("/orders", json=body, headers=own)
    assert (other.status_code, other.json()["code"]) == (403, "forbidden")
    assert (
        await rows(world, "SELECT 1 FROM sales_order WHERE external_id = :e", e=body["external_id"])
        == []
    )
