"""Backordered orders are routed by the sweeper once stock arrives, exactly once."""

from __future__ import annotations

import asyncio
from typing import TypeAlias

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from oms.orders.jobs import route_backorders
from tests.support.orders import order_body
from tests.support.pages import read_all_pages
from tests.support.readback import place_and_read_back
from tests.support.world import World

Client: TypeAlias = AsyncTestClient[Litestar]


async def test_arriving_stock_routes_the_waiting_units(
    client: Client, world: World, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    store = await world.location()
    warehouse = await world.location(kind="warehouse", capabilities=["ship_from"], lat=53.6)
    sku = await world.sku()
    await world.stock(sku, store, 1)
    channel = await world.channel(backorders=True)
    admin = await world.token("admin")
    order = await place_and_read_back(client, admin, order_body(channel.code, [(sku, 3)]))
    assert order["status"] == "backordered"

    await world.stock(sku, warehouse, 5)
    # Two sweepers at once: the order is claimed by one, the other skips it.
    await asyncio.gather(route_backorders(sessionmaker), route_backorders(sessionmaker))

    routed = (await client.get(f"/orders/{order['id']}", headers=admin)).json()
    assert routed["status"] == "open"
    assert routed["lines"][0] | {"allocated": 3, "backordered": 0} == routed["lines"][0]
    assert sorted(
        (f["location"], sum(line["quantity"] for line in f["lines"])) for f in routed["fulfilments"]
    ) == sorted([(store.code, 1), (warehouse.code, 2)])
    assert (await world.level(sku, warehouse))["reserved"] == 2
    # One decision a page: the routing decisions page like every list.
    decisions = await read_all_pages(client, f"/orders/{order['id']}/routing", admin, 1)
    assert [d["trigger"] for d in decisions] == ["placement", "backorder"]
    await world.assert_audit_clean()
