"""The repair sweep: ask each partner for the orders it changed lately and take in any
version a webhook never brought (a lost delivery, an endpoint that was down for hours).

Each order the partner lists is stored as an event of its own (topic ``sweep``, delivery
id ``sweep:<partner version>[:cancelled]:<external id>``) through the same deduplicated
insert as a webhook, and applied at once; applying is idempotent on (channel, order) with a version
guard, so an order a webhook already brought ends ``ignored`` as stale. The sweep asks
from its high-water mark (``channel_sync.swept_until``) minus an overlap, for clock skew
between us and the partner and for orders changed while the last sweep ran; a partner
that is throttling, down or refusing our credentials leaves the mark where it was.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

import msgspec
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from oms.domain.channel_sync import (
    ChannelAdapter,
    PartnerConfigError,
    PartnerOrder,
    PartnerThrottled,
    PartnerUnavailable,
)
from oms.domain.errors import NotFound
from oms.sync.services.apply import (
    MAX_DELIVERY_ID,
    SWEEP_PREFIX,
    SWEEP_TOPIC,
    Partners,
    apply_channel_event,
    store_event,
)
from oms.sync.services.partner_state import enabled_channels

log = logging.getLogger(__name__)

SWEEP_OVERLAP = timedelta(minutes=10)
FIRST_SWEEP_LOOKBACK = timedelta(days=1)
PARTNER_ERRORS = (PartnerThrottled, PartnerUnavailable, PartnerConfigError)

_CHANNEL_ID = text("SELECT id FROM channel WHERE code = :code")
# A version stored by an earlier sweep whose apply did not finish (the job died, stock was
# contended): applied now instead of skipped as a duplicate.
_UNAPPLIED = text(
    """
    SELECT id FROM channel_event
     WHERE channel_id = :channel_id AND delivery_id = :delivery_id AND state = 'received'
    """
)
_ADVANCE = text(
    """
    UPDATE channel_sync SET swept_until = GREATEST(swept_until, :until), updated_at = now()
     WHERE channel_id = :channel_id
    """
)


async def sweep_channel_orders(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    partners: Partners,
    timeout_seconds: float = 10.0,
    environ: Mapping[str, str] = os.environ,
) -> dict[str, int]:
    """Sweep every enabled channel; per channel code, the orders that changed something
    here. ``environ`` holds the secrets the channels' ``credentials_env`` name."""
    # Read with the database's clock, before the partner is asked: the next sweep starts there.
    async with sessionmaker() as session:
        channels = await enabled_channels(session)
    taken: dict[str, int] = {}
    for channel in channels:
        since = (
            channel.swept_until - SWEEP_OVERLAP
            if channel.swept_until is not None
            else channel.now - FIRST_SWEEP_LOOKBACK
        )
        # Pickups in the orders it lists name partner locations: the connection maps them.
        connection = channel.connection(timeout_seconds, environ)
        try:
            adapter: ChannelAdapter = partners(channel.adapter).connect(connection)
        except (PartnerConfigError, LookupError) as exc:
            log.warning(
                "order sweep cannot connect", extra={"channel": channel.code, "error": str(exc)}
            )
            continue
        try:
            orders = await adapter.orders_updated_since(since)
        except PARTNER_ERRORS as exc:
            log.warning(
                "order sweep: the partner did not answer",
                extra={"channel": channel.code, "error": f"{type(exc).__name__}: {exc}"},
            )
            continue
        finally:
            await adapter.aclose()
        taken[channel.code] = await _take_in(sessionmaker, channel.id, orders)
        async with sessionmaker() as session, session.begin():
            await session.execute(_ADVANCE, {"channel_id": channel.id, "until": channel.now})
    return taken


async def ingest_recent_orders(
    sessionmaker: async_sessionmaker[AsyncSession],
    channel_code: str,
    adapter: ChannelAdapter,
    since: datetime,
) -> int:
    """Take in the channel's orders changed at the partner since ``since`` (the outbound
    sync calls this when a compare-and-swap push comes back stale, before recomputing);
    how many changed something here. Partner errors propagate to the caller."""
    async with sessionmaker() as session:
        channel_id = await session.scalar(_CHANNEL_ID, {"code": channel_code})
    if channel_id is None:
        raise NotFound(f"channel {channel_code!r} not found", channel=channel_code)
    orders = await adapter.orders_updated_since(since)
    return await _take_in(sessionmaker, int(channel_id), orders)


def sweep_delivery_id(order: PartnerOrder) -> str:
    """The synthetic delivery id of one partner version: the same version found by two
    sweeps is stored once. A cancellation stamped in the same second as the version before
    it is another version (see ``partner_orders``), so it gets an id of its own."""
    version = order.updated_at.isoformat() + (":cancelled" if order.cancelled else "")
    # The external id goes last: an over-long one is cut, never the version.
    return f"{SWEEP_PREFIX}{version}:{order.external_id}"[:MAX_DELIVERY_ID]


async def _take_in(
    sessionmaker: async_sessionmaker[AsyncSession], channel_id: int, orders: Sequence[PartnerOrder]
) -> int:
    """Store each order as an event and apply it, one transaction each (one bad order does
    not hold back the others); how many ended ``applied``."""
    changed = 0
    for order in orders:
        delivery_id = sweep_delivery_id(order)
        async with sessionmaker() as session, session.begin():
            event_id = await store_event(
                session,
                channel_id,
                delivery_id=delivery_id,
                topic=SWEEP_TOPIC,
                body=msgspec.json.encode(order),
                headers={},
            )
            if event_id is None:
                key = {"channel_id": channel_id, "delivery_id": delivery_id}
                event_id = await session.scalar(_UNAPPLIED, key)
        if event_id is not None and await apply_channel_event(sessionmaker, event_id) == "applied":
            changed += 1
    return changed
