"""Give back stock an order holds: all of a fulfilment's hold, or some units of it.

A fulfilment's reservation is the hold with its id; its hold lines and the levels'
``reserved`` move together (the audit checks they agree).
"""

from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from oms.inventory.services.ledger import Source, unreserve

_TAKE_FROM_HOLD_LINE = text(
    """
    UPDATE hold_line SET quantity = quantity - :quantity
     WHERE hold_id = :hold_id AND sku_id = :sku_id AND quantity >= :quantity
    RETURNING quantity, location_id
    """
)
# All of a line's units: the row goes (a hold line never holds zero).
_DROP_HOLD_LINE = text(
    """
    DELETE FROM hold_line WHERE hold_id = :hold_id AND sku_id = :sku_id AND quantity = :quantity
    RETURNING 0 AS quantity, location_id
    """
)
_CLOSE_HOLD = text(
    """
    UPDATE hold SET status = :status, closed_at = now()
     WHERE id = :hold_id AND status = 'active'
    RETURNING id
    """
)
_HOLD_LINES = text(
    """
    SELECT sku_id, location_id, quantity FROM hold_line WHERE hold_id = :hold_id
     ORDER BY location_id, sku_id
    """
)


async def release_units(
    session: AsyncSession,
    hold_id: uuid.UUID,
    sku_id: int,
    quantity: int,
    source: Source,
) -> int:
    """Release up to ``quantity`` units of one SKU from the hold; returns how many were
    held and released (fewer when the hold never had them, e.g. awaiting a transfer)."""
    conn = await session.connection()
    held = await _held(conn, hold_id, sku_id)
    take = min(held, quantity)
    if take == 0:
        return 0
    statement = _DROP_HOLD_LINE if take == held else _TAKE_FROM_HOLD_LINE
    row = (
        await conn.execute(statement, {"hold_id": hold_id, "sku_id": sku_id, "quantity": take})
    ).one()
    if await unreserve(session, sku_id, row.location_id, take, source) is None:
        raise RuntimeError(f"hold {hold_id} held more than is reserved")
    return take


async def release_hold(session: AsyncSession, hold_id: uuid.UUID, source: Source) -> bool:
    """Release everything the hold still holds and close it; False if it was not active."""
    conn = await session.connection()
    closed = (await conn.execute(_CLOSE_HOLD, {"hold_id": hold_id, "status": "released"})).first()
    if closed is None:
        return False
    for line in (await conn.execute(_HOLD_LINES, {"hold_id": hold_id})).all():
        if await unreserve(session, line.sku_id, line.location_id, line.quantity, source) is None:
            raise RuntimeError(f"hold {hold_id} held more than is reserved")
    return True


async def _held(conn: AsyncConnection, hold_id: uuid.UUID, sku_id: int) -> int:
    held = await conn.scalar(
        text(
            "SELECT hl.quantity FROM hold_line hl JOIN hold h ON h.id = hl.hold_id"
            " WHERE hl.hold_id = :hold_id AND hl.sku_id = :sku_id AND h.status = 'active'"
        ),
        {"hold_id": hold_id, "sku_id": sku_id},
    )
    return int(held or 0)
