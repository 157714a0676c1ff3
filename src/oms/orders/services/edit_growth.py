"""Route the units an edit adds to an order, or refuse the edit as a placement would.

The allocation after an edit cancels what no location can cover when the channel takes no
backorders. For a new order that would be a 409; an edit must not quietly turn "more,
please" into a cancellation, so it is refused the same way: 409 ``insufficient_stock``
with the placement's per-line detail, and nothing changes.
"""

from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from oms.channels.services.policy import channel_policy
from oms.db.savepoints import savepoint
from oms.domain.errors import InsufficientStock
from oms.domain.routing import available_in_network
from oms.orders.services.allocation import allocate_open_units
from oms.orders.services.planning import read_candidates

_CANCELLED = text(
    "SELECT line_no, quantity_cancelled FROM order_line"
    " WHERE order_id = :id AND line_no = ANY(:lines)"
)
_LINE_SKUS = text(
    "SELECT ol.line_no, ol.sku_id, s.code FROM order_line ol JOIN sku s ON s.id = ol.sku_id"
    " WHERE ol.order_id = :id AND ol.line_no = ANY(:lines)"
)


async def allocate_growth(
    session: AsyncSession,
    order_id: uuid.UUID,
    channel_code: str,
    grown: dict[int, int],
    *,
    actor: str,
) -> None:
    """Place the open units of an order whose lines ``grown`` (line_no -> the quantity
    asked for) were raised; InsufficientStock if the channel would have to cancel some."""
    conn = await session.connection()
    lines = sorted(grown)
    before = await _cancelled(conn, order_id, lines)
    async with savepoint(conn, "edit_growth") as allocation:
        outcome = await allocate_open_units(session, order_id, trigger="edit", actor=actor)
        if outcome.cancelled == 0:
            return
        after = await _cancelled(conn, order_id, lines)
        short = {n: after[n] - before[n] for n in lines if after[n] > before[n]}
        # Back to before the allocation, so what it reserved is free again in the figures.
        await allocation.rollback()
    raise await _rejection(conn, order_id, channel_code, grown, short)


async def _cancelled(
    conn: AsyncConnection, order_id: uuid.UUID, lines: list[int]
) -> dict[int, int]:
    rows = await conn.execute(_CANCELLED, {"id": order_id, "lines": lines})
    return {r.line_no: r.quantity_cancelled for r in rows}


async def _rejection(
    conn: AsyncConnection,
    order_id: uuid.UUID,
    channel_code: str,
    grown: dict[int, int],
    short: dict[int, int],
) -> InsufficientStock:
    """Per short line, as placement reports it: the quantity asked for, what the line could
    have (what it holds plus what is free for it), and what is free at the channel's
    locations besides what the order already holds."""
    rows = (await conn.execute(_LINE_SKUS, {"id": order_id, "lines": sorted(short)})).all()
    sku_of = {r.line_no: (r.sku_id, r.code) for r in rows}
    channel = await channel_policy(conn, channel_code)
    eligible = channel.eligible_location_ids if channel is not None else None
    candidates = await read_candidates(conn, sorted({sku for sku, _ in sku_of.values()}), [])
    lines = []
    for line_no, missing in sorted(short.items()):
        sku_id, code = sku_of[line_no]
        network = available_in_network(candidates, sku_id, eligible)
        lines.append(
            {
                "line_no": line_no,
                "sku": code,
                "requested": grown[line_no],
                "allocatable": grown[line_no] - missing,
                "available_in_network": network,
            }
        )
    described = ", ".join(
        f"line {e['line_no']} {e['sku']} ({e['allocatable']} of {e['requested']})" for e in lines
    )
    return InsufficientStock(f"cannot fulfil {described}", lines=lines)
