"""Backorders: when stock for a waiting line arrives, route it without anyone asking."""

from __future__ import annotations

import logging
import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from oms.orders.services.allocation import allocate_open_units

log = logging.getLogger(__name__)

# Oldest first, so stock goes to whoever has waited longest; only orders some location
# can now help (a line's SKU is sellable somewhere).
_WAITING = text(
    """
    SELECT o.id FROM sales_order o
     WHERE o.status = 'backordered'
       AND EXISTS (
            SELECT 1 FROM order_line ol JOIN inventory_level l ON l.sku_id = ol.sku_id
             WHERE ol.order_id = o.id AND ol.quantity_backordered > 0
               AND l.on_hand - l.reserved - l.safety_stock > 0)
     ORDER BY o.created_at
     LIMIT :limit
    """
)
# Another sweeper, a cancellation or an edit holds the order: leave it to them this time.
_CLAIM = text("SELECT id FROM sales_order WHERE id = :id FOR UPDATE SKIP LOCKED")


async def route_backorders(sessionmaker: async_sessionmaker[AsyncSession], limit: int = 200) -> int:
    """Try every waiting order that stock could now help; returns how many got units."""
    async with sessionmaker() as session:
        waiting = list((await session.scalars(_WAITING, {"limit": limit})).all())
    helped = 0
    for order_id in waiting:
        if await _route_one(sessionmaker, order_id):
            helped += 1
    if helped:
        log.info("backorders routed", extra={"orders": helped})
    return helped


async def _route_one(sessionmaker: async_sessionmaker[AsyncSession], order_id: uuid.UUID) -> bool:
    async with sessionmaker() as session, session.begin():  # one order, one transaction
        if await session.scalar(_CLAIM, {"id": order_id}) is None:
            return False
        outcome = await allocate_open_units(
            session, order_id, trigger="backorder", actor="system:backorders"
        )
    return outcome.fulfilments > 0
