"""The demo's tills and web shop price every demo SKU; its marketplaces price none."""

from __future__ import annotations

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from oms.db.models import Location
from oms.demo.catalogue_data import FEATURED_SKU
from oms.demo.channels_data import CHANNELS
from oms.demo.prices_data import STAFF_ORDER_CHANNELS, demo_price
from oms.demo.seed import demo_skus, seed_demo
from tests.support.world import World

_PRICED = text(
    """
    SELECT c.code, count(*) AS priced, min(p.amount) AS cheapest
      FROM channel_price p
      JOIN channel c ON c.id = p.channel_id
      JOIN sku s ON s.id = p.sku_id
     WHERE s.code = ANY(:skus)
     GROUP BY c.code
    """
)


def test_every_demo_sku_has_a_price_in_each_staff_channels_currency() -> None:
    assert {c.code for c in STAFF_ORDER_CHANNELS} == {"POS", "WEB"}
    for channel in STAFF_ORDER_CHANNELS:
        for sku in demo_skus():
            assert demo_price(sku.code, channel.currency) > 0


async def test_demo_skus_have_prices_on_the_staff_order_channels(
    seeded: bool, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    codes = [sku.code for sku in demo_skus()]
    async with sessionmaker() as session:
        found = {row.code: row for row in await session.execute(_PRICED, {"skus": codes})}
    for channel in STAFF_ORDER_CHANNELS:
        assert found[channel.code].priced == len(codes)
        assert found[channel.code].cheapest > 0
    for marketplace in (c.code for c in CHANNELS if not c.staff_orders):
        assert marketplace not in found


async def test_an_associate_reads_a_demo_price_and_reseeding_keeps_an_operators_change(
    seeded: bool, sessionmaker: async_sessionmaker[AsyncSession], world: World
) -> None:
    async with sessionmaker() as session:
        store = await session.scalar(select(Location).where(Location.code == "MAN-CITY"))
    assert store is not None
    associate = await world.token("associate", locations=(store,))
    admin = await world.token("admin")
    url = f"/channels/POS/prices/{FEATURED_SKU}"

    read = await world.client.get(url, headers=associate)

    assert read.status_code == 200, read.text
    listed = demo_price(FEATURED_SKU, "GBP")
    assert (read.json()["amount"], read.json()["currency"]) == (listed, "GBP")
    changed = await world.client.put(url, json={"amount": listed - 1000}, headers=admin)
    assert changed.status_code == 200, changed.text
    try:
        async with sessionmaker() as session, session.begin():
            await seed_demo(session)
        kept = await world.client.get(url, headers=associate)
        assert kept.json()["amount"] == listed - 1000
    finally:
        await world.client.put(url, json={"amount": listed}, headers=admin)
