"""Uncollected pickups: after the channel's ``pickup_hold_days`` the parcel goes back.

A pickup ``ready_for_pickup`` for longer than its channel allows is cancelled: its hold is
released (ledger ``release``, reason ``uncollected``), so the units are sellable again, and
they are cancelled on the order. Each batch is one short transaction; concurrent sweepers
skip orders another one has locked, so no fulfilment is processed twice.
"""

from __future__ import annotations

import logging

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from oms.fulfilment.services.records import lock_by_id
from oms.fulfilment.services.transitions import cancel_fulfilment
from oms.notifications.services.messages import queue_notification

log = logging.getLogger(__name__)

# A pickup is due days after it was ready: checking every quarter hour is plenty.
SWEEP_SECONDS = 900.0
ACTOR = "system:uncollected-pickups"
REASON = "uncollected"

# The order row is the lock every fulfilment change takes first (see ``records``):
# SKIP LOCKED there leaves orders another sweeper, or a person at the till, is working on.
_DUE = text(
    """
    SELECT f.id
      FROM fulfilment f
      JOIN sales_order o ON o.id = f.order_id
      JOIN channel c ON c.id = o.channel_id
     WHERE f.state = 'ready_for_pickup'
       AND f.ready_at <= now() - make_interval(days => c.pickup_hold_days)
     ORDER BY f.ready_at, f.id
     LIMIT :limit
       FOR UPDATE OF o SKIP LOCKED
    """
)

_ORDER = text("SELECT status, number, customer_name FROM sales_order WHERE id = :id")


async def cancel_uncollected_pickups(
    session: AsyncSession, limit: int = 100, *, public_url: str | None
) -> int:
    """Cancel up to ``limit`` overdue pickups in the caller's transaction; returns how many.

    ``public_url``: ``OMS_PUBLIC_URL``, for the link in the customer's message."""
    due = list((await session.scalars(_DUE, {"limit": limit})).all())
    cancelled = 0
    for fulfilment_id in due:
        row = await lock_by_id(session, fulfilment_id)
        # Handed over or cancelled between the candidate query and the lock.
        if row is None or row.state != "ready_for_pickup":
            continue
        ready_at = row.ready_at.isoformat() if row.ready_at else None
        await cancel_fulfilment(session, row, ACTOR, REASON, detail={"ready_at": ready_at})
        cancelled += 1
        order = (await session.execute(_ORDER, {"id": row.order_id})).one()
        if order.status == "cancelled":  # nothing else of the order is still coming
            await queue_notification(
                session,
                order_id=row.order_id,
                kind="order_cancelled",
                data={
                    "order_number": order.number,
                    "customer_name": order.customer_name,
                    "reason": REASON,
                },
                public_url=public_url,
            )
    return cancelled


async def sweep_uncollected_pickups(
    sessionmaker: async_sessionmaker[AsyncSession],
    batch_size: int = 100,
    *,
    public_url: str | None,
) -> int:
    """The periodic job: bounded batches, each its own short transaction."""
    total = 0
    while True:
        async with sessionmaker() as session, session.begin():
            done = await cancel_uncollected_pickups(
                session, limit=batch_size, public_url=public_url
            )
        total += done
        if done < batch_size:
            break
    if total:
        log.info("uncollected pickups cancelled", extra={"fulfilments": total})
    return total
