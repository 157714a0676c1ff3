"""The demo's fake partners: connected to the demo channels, every SKU listed, and a pass
of each channel makes the fakes show what the demo's stock allows."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from integrations.registry import partner_for
from oms.db.models import Sku
from oms.demo.catalogue_data import FEATURED_SKU, STORES
from oms.demo.partners import (
    PARTNER_CHANNEL,
    SHOPIFY_CHANNEL,
    DemoPartners,
    connect_demo_channels,
    partners_banner,
    start_demo_partners,
)
from oms.domain.channel_sync import QuantityPolicy, publishable
from oms.sync.services.dispatch import dispatch
from oms.sync.services.push import SyncTiming, sync_channel
from oms.sync.services.sweep import ingest_recent_orders

Maker = async_sessionmaker[AsyncSession]
TIMING = SyncTiming(pass_seconds=20.0, lease_seconds=60.0, window_seconds=0.0)


@pytest.fixture
def partners() -> Iterator[DemoPartners]:
    started = start_demo_partners()
    yield started
    started.stop()


async def _sellable(sessionmaker: Maker, sku: str, store: str | None) -> list[int]:
    async with sessionmaker() as session:
        rows = await session.execute(
            text(
                "SELECT l.on_hand - l.reserved - l.safety_stock AS units FROM inventory_level l"
                " JOIN sku s ON s.id = l.sku_id JOIN location loc ON loc.id = l.location_id"
                " WHERE s.code = :sku AND loc.active AND (CAST(:store AS text) IS NULL"
                " OR loc.code = :store)"
            ),
            {"sku": sku, "store": store},
        )
        return [row.units for row in rows]


async def test_the_demo_channels_publish_to_the_fakes(
    seeded: bool, sessionmaker: Maker, partners: DemoPartners
) -> None:
    async with sessionmaker() as session, session.begin():
        await connect_demo_channels(session, partners)
        active = await session.scalar(select(func.count()).select_from(Sku).where(Sku.active))
    for code in (SHOPIFY_CHANNEL, PARTNER_CHANNEL):
        await dispatch(sessionmaker, window_seconds=0.0)
        for _ in range(10):  # a pass stops after its time budget; the next goes on
            report = await sync_channel(
                sessionmaker,
                code,
                partners=partner_for,
                ingest_recent=ingest_recent_orders,
                timing=TIMING,
            )
            if not report.calls:
                break

    shop, receiver = partners.shop, partners.receiver
    item = partners.shop_items[FEATURED_SKU]
    for store in STORES:
        units = await _sellable(sessionmaker, FEATURED_SKU, store.code)
        wanted = publishable(units, QuantityPolicy(zero_at_or_below=1))
        assert shop.quantity(item, partners.shop_locations[store.code]) == wanted, store.code
    network = publishable(
        await _sellable(sessionmaker, FEATURED_SKU, None),
        QuantityPolicy(buffer=2, percent=80, max_quantity=50),
    )
    assert receiver.quantities[(FEATURED_SKU, None)] == network
    assert len(receiver.quantities) == active

    banner = partners_banner(partners, "http://127.0.0.1:8000", "TOKEN")
    assert shop.url in banner
    assert receiver.url in banner
    assert partners.showcase_store in banner
