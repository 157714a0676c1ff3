"""What each listing would publish now, and marking listings pending.

The quantity is the channel's policy (``domain.channel_sync.publishable``) applied to what
each feeding location can sell of the SKU: ``on_hand - reserved - safety_stock`` at active
locations. A channel's feeding locations are its ``channel_feed_location`` rows; with none,
the locations it routes from (``channel_location``); with none of those either, every
location. A per-location listing counts only its own location, if that location feeds
the channel. An inactive SKU, or any SKU on an inactive channel, publishes 0: a channel
that takes no orders must not sell.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from oms.domain.channel_sync import QuantityPolicy, publishable
from oms.outbox.stock_signals import mark_channel_pending

__all__ = ["mark_channel_pending", "quantities_now"]

_FEEDS = """
    CASE
      WHEN EXISTS (SELECT 1 FROM channel_feed_location f WHERE f.channel_id = l.channel_id)
        THEN EXISTS (SELECT 1 FROM channel_feed_location f
                      WHERE f.channel_id = l.channel_id AND f.location_id = il.location_id)
      WHEN EXISTS (SELECT 1 FROM channel_location e WHERE e.channel_id = l.channel_id)
        THEN EXISTS (SELECT 1 FROM channel_location e
                      WHERE e.channel_id = l.channel_id AND e.location_id = il.location_id)
      ELSE TRUE
    END"""

_SELLABLE = text(
    f"""
    SELECT l.id, s.active AND c.active AS listed, cs.buffer, cs.percent, cs.max_quantity,
           cs.zero_at_or_below,
           COALESCE(array_agg(lv.units) FILTER (WHERE lv.units IS NOT NULL), '{{}}') AS units
      FROM channel_listing l
      JOIN channel_sync cs ON cs.channel_id = l.channel_id
      JOIN sku s ON s.id = l.sku_id
      JOIN channel c ON c.id = l.channel_id
      LEFT JOIN LATERAL (
            SELECT il.on_hand - il.reserved - il.safety_stock AS units
              FROM inventory_level il
              JOIN location loc ON loc.id = il.location_id AND loc.active
             WHERE il.sku_id = l.sku_id
               AND (l.location_id IS NULL OR il.location_id = l.location_id)
               AND {_FEEDS}
      ) lv ON TRUE
     WHERE l.id = ANY(:ids)
     GROUP BY l.id, s.active, c.active, cs.buffer, cs.percent, cs.max_quantity, cs.zero_at_or_below
    """
)


async def quantities_now(conn: AsyncConnection, listing_ids: Sequence[int]) -> dict[int, int]:
    """The quantity each listing would publish now, by listing id (unknown ids left out)."""
    if not listing_ids:
        return {}
    rows = await conn.execute(_SELLABLE, {"ids": list(listing_ids)})
    quantities: dict[int, int] = {}
    for row in rows:
        policy = QuantityPolicy(
            buffer=row.buffer,
            percent=row.percent,
            max_quantity=row.max_quantity,
            zero_at_or_below=row.zero_at_or_below,
        )
        quantities[row.id] = publishable(row.units, policy) if row.listed else 0
    return quantities
