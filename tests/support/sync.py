"""Channel sync test data: a synced channel and its listings, written directly."""

from __future__ import annotations

import base64
import os
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import text

from integrations.registry import partner_for
from oms.db.models import Channel, ChannelFeedLocation, ChannelListing, ChannelSync, Location, Sku
from oms.domain.channel_sync import Partner
from oms.sync.services.dispatch import dispatch
from oms.sync.services.push import PassReport, SyncTiming, sync_channel
from oms.sync.services.sweep import ingest_recent_orders
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


def new_secret() -> str:
    """A fresh Standard Webhooks secret (``whsec_`` + base64 of 32 random bytes)."""
    return "whsec_" + base64.b64encode(os.urandom(32)).decode()


# Fast timings for tests: a pass gives up new calls after 5 s; a lease lasts 30 s.
TEST_TIMING = SyncTiming(
    pass_seconds=5.0, lease_seconds=30.0, window_seconds=0.0, timeout_seconds=2.0
)


async def run_sync(
    world: World,
    channel: Channel,
    *,
    timing: SyncTiming = TEST_TIMING,
    partners: Callable[[str], Partner] = partner_for,
) -> PassReport:
    """One dispatcher tick, then a pass of ``channel`` (what the worker does each tick)."""
    await dispatch(world.sessionmaker, window_seconds=timing.window_seconds)
    return await sync_channel(
        world.sessionmaker,
        channel.code,
        partners=partners,
        ingest_recent=ingest_recent_orders,
        timing=timing,
    )


async def due_now(world: World, channel: Channel) -> None:
    """Skip the backoff and any pause (as if their time had passed)."""
    async with world.sessionmaker() as session, session.begin():
        await session.execute(
            text("UPDATE channel_listing SET next_attempt_at = now() WHERE channel_id = :c"),
            {"c": channel.id},
        )
        await session.execute(
            text("UPDATE channel_sync SET paused_until = NULL WHERE channel_id = :c"),
            {"c": channel.id},
        )
