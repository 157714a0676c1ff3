"""The demo retailer's sales channels: its stores' tills, its web shop and two marketplaces.

Seeding adds the channels that are missing and leaves existing ones alone, so a demo
database made before channels existed gains them, and an operator's changes (or a
deactivation) survive every restart.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from oms.db.models import Channel, ChannelLocation, Location
from oms.demo.catalogue_data import STORES, WAREHOUSE_CODE

# Marketplace orders are shipped, and only from where parcels go out in volume.
BIGGEST_STORES = tuple(
    store.code for store in sorted(STORES, key=lambda s: s.daily_capacity, reverse=True)[:2]
)


@dataclass(frozen=True, slots=True)
class DemoChannel:
    code: str
    name: str
    kind: str
    backorders: bool = False
    transfer_to_store: bool = False
    max_split: int = 2
    pickup_hold_days: int = 7
    # Codes of the locations that may fulfil; empty: every location.
    locations: tuple[str, ...] = ()
    currency: str = "GBP"
    # Store staff take orders on the tills and the web shop, never for a marketplace.
    staff_orders: bool = True


CHANNELS = (
    DemoChannel(code="POS", name="Store tills and tablets", kind="pos"),
    # The web shop takes orders for items on their way and sends stock to a pickup store.
    DemoChannel(
        code="WEB",
        name="Web shop",
        kind="web",
        backorders=True,
        transfer_to_store=True,
        max_split=2,
    ),
    # Marketplaces punish late or split parcels: one shipment, only what is on the shelf.
    DemoChannel(
        code="AMAZON",
        name="Amazon UK",
        kind="marketplace",
        max_split=1,
        locations=(WAREHOUSE_CODE, *BIGGEST_STORES),
        staff_orders=False,
    ),
    DemoChannel(code="EBAY", name="eBay UK", kind="marketplace", max_split=1, staff_orders=False),
    # Synced with partners the demo starts on this machine (demo/partners.py): a Shopify
    # store showing each store's own stock, and a partner taking quantities by webhook.
    DemoChannel(code="SHOPIFY", name="Shopify store", kind="web", staff_orders=False),
    DemoChannel(
        code="PARTNER",
        name="Partner marketplace (generic webhooks)",
        kind="marketplace",
        max_split=1,
        staff_orders=False,
    ),
)


async def seed_demo_channels(session: AsyncSession) -> list[str]:
    """Create the demo channels that do not exist yet; returns the codes created."""
    rows = [
        {
            "code": c.code,
            "name": c.name,
            "kind": c.kind,
            "currency": c.currency,
            "backorders": c.backorders,
            "transfer_to_store": c.transfer_to_store,
            "max_split": c.max_split,
            "routing_rules": [],
            "pickup_hold_days": c.pickup_hold_days,
            "staff_orders": c.staff_orders,
        }
        for c in CHANNELS
    ]
    created = await session.execute(
        pg_insert(Channel)
        .values(rows)
        .on_conflict_do_nothing(index_elements=[Channel.code])
        .returning(Channel.code, Channel.id)
    )
    ids: dict[str, int] = dict(created.all())
    wanted = {code for c in CHANNELS if c.code in ids for code in c.locations}
    places: dict[str, int] = {}
    if wanted:
        found = await session.execute(
            select(Location.code, Location.id).where(Location.code.in_(wanted))
        )
        places = dict(found.all())
    # A demo location removed meanwhile is skipped rather than failing the start.
    links = [
        {"channel_id": ids[c.code], "location_id": places[code]}
        for c in CHANNELS
        if c.code in ids
        for code in c.locations
        if code in places
    ]
    if links:
        await session.execute(insert(ChannelLocation), links)
    return sorted(ids)
