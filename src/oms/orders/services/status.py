"""Keep ``sales_order.status`` in step with its lines and fulfilments."""

from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from oms.domain.order_status import LineTally, order_status

_TALLY = text(
    """
    SELECT 'line' AS what, quantity, quantity_cancelled, quantity_backordered, NULL AS state
      FROM order_line WHERE order_id = :order_id
    UNION ALL
    SELECT 'fulfilment', 0, 0, 0, state FROM fulfilment WHERE order_id = :order_id
    """
)
_SET_STATUS = text(
    """
    UPDATE sales_order SET status = :status, updated_at = now()
     WHERE id = :order_id AND status <> :status
    """
)


async def refresh_status(db: AsyncSession | AsyncConnection, order_id: uuid.UUID) -> str:
    """Recompute the order's status after a change; returns it."""
    rows = (await db.execute(_TALLY, {"order_id": order_id})).all()
    status = order_status(
        (
            LineTally(r.quantity, r.quantity_cancelled, r.quantity_backordered)
            for r in rows
            if r.what == "line"
        ),
        (r.state for r in rows if r.what == "fulfilment"),
    )
    await db.execute(_SET_STATUS, {"order_id": order_id, "status": status})
    return status
