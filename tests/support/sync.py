"""Channel sync test data: a synced channel and its listings, written directly."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import text

from oms.db.models import Channel, ChannelFeedLocation, ChannelListing, ChannelSync, Location, Sku
from tests.support.world import World


async def synced_channel(
    world: World,
    *,
    adapter: str = "webhook",
    partner_url: str = "http://127.0.0.1:9/",
    feeds: Sequence[tuple[Location, str | None]] = (),
    locations: Sequence[Location] = (),
    **sync: Any,
) -> Channel:
    """A channel with sync settings; ``feeds`` are (location, partner location id) pairs."""
    channel = await world.channel(locations=tuple(locations))
    async with world.sessionmaker() as session, session.begin():
        session.add(
            ChannelSync(channel_id=channel.id, adapter=adapter, partner_url=partner_url, **sync)
        )
        session.add_all(
            ChannelFeedLocation(
                channel_id=channel.id, location_id=loc.id, partner_location_id=partner_location
            )
            for loc, partner_location in feeds
        )
    return channel


async def listing(
    world: World,
    channel: Channel,
    sku: Sku,
    *,
    location: Location | None = None,
    partner_item_id: str | None = None,
    partner_location_id: str | None = None,
) -> int:
    """A new (pending) listing of ``sku`` on ``channel``; its id."""
    async with world.sessionmaker() as session, session.begin():
        row = ChannelListing(
            channel_id=channel.id,
            sku_id=sku.id,
            location_id=location.id if location else None,
            partner_sku=sku.code,
            partner_item_id=partner_item_id,
            partner_location_id=partner_location_id,
        )
        session.add(row)
        await session.flush()
        return row.id


async def signals(world: World, sku: Sku) -> list[int | None]:
    """The locations of the SKU's unfolded stock signals, oldest first (None: everywhere)."""
    async with world.sessionmaker() as session:
        rows = await session.execute(
            text("SELECT location_id FROM stock_signal WHERE sku_id = :s ORDER BY id"),
            {"s": sku.id},
        )
        return [row.location_id for row in rows]


async def listing_row(world: World, listing_id: int) -> dict[str, Any]:
    """The listing's columns as the database has them."""
    async with world.sessionmaker() as session:
        row = (
            (
                await session.execute(
                    text("SELECT * FROM channel_listing WHERE id = :id"), {"id": listing_id}
                )
            )
            .mappings()
            .one()
        )
        return dict(row)
