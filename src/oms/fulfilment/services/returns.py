"""Returns: delivered units come back to any store or warehouse, with a refund recorded.

A store takes back an order it may read (``domain.access.may_take_return``): one its
stores work on, or one of a customer it looked up by email or phone (bought online,
returned here; the read is written to the order's timeline). Any other order answers the
same 404 as a missing one and nothing is written.

Only units already shipped or picked up, and not returned before, can come back.
``restock`` puts them on the receiving location's shelf (ledger ``return``). ``damaged``
records them coming in (``return``) and then written off (``damage``) at that location:
the net on_hand does not change, but the location's ledger shows the unit arrived and why
it was written off, so damage reports include returned goods and the two movements
reconcile with the return document. The refund is in the order's currency and at most
what the returned units cost.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from oms.catalogue.services.refs import location_by_code
from oms.db.rows import group_rows
from oms.domain.access import (
    Action,
    Principal,
    may_read_returns,
    may_take_return,
    require,
    require_at,
)
from oms.domain.cursors import decode_time_key, encode_time_key
from oms.domain.errors import InvalidInput, NotFound
from oms.domain.fulfilment_flow import DELIVERED_STATES
from oms.domain.stock import MovementKind
from oms.fulfilment.schemas import ReturnIn, ReturnLineOut, ReturnList, ReturnOut
from oms.inventory.ledger.writers import Source, add_on_hand
from oms.orders.services.events import EventKind, record_event
from oms.orders.services.order_access import order_access, record_access
from oms.orders.services.status import refresh_status

# The order row lock serialises returns of one order: two desks cannot return one unit twice.
_LOCK_ORDER = text(
    """
    SELECT o.id, o.currency, ch.code AS channel FROM sales_order o
      JOIN channel ch ON ch.id = o.channel_id
     WHERE o.id = :id FOR UPDATE OF o
    """
)
# Per line: units delivered to the customer (transfers only move stock between our own
# locations) and units already returned.
_RETURNABLE = text(
    """
    SELECT ol.line_no, ol.sku_id, s.code AS sku, ol.unit_price,
           (SELECT coalesce(sum(fl.quantity - fl.quantity_short), 0)
              FROM fulfilment f JOIN fulfilment_line fl ON fl.fulfilment_id = f.id
             WHERE f.order_id = ol.order_id AND fl.line_no = ol.line_no
               AND f.method <> 'transfer' AND f.state = ANY(:delivered)) AS delivered,
           (SELECT coalesce(sum(rl.quantity), 0)
              FROM order_return r JOIN order_return_line rl ON rl.return_id = r.id
             WHERE r.order_id = ol.order_id AND rl.line_no = ol.line_no) AS returned
      FROM order_line ol JOIN sku s ON s.id = ol.sku_id
     WHERE ol.order_id = :id
    """
)
_INSERT_RETURN = text(
    """
    INSERT INTO order_return (id, order_id, location_id, refund_amount, currency, note, actor)
    VALUES (:id, :order_id, :location_id, :refund, :currency, :note, :actor)
    """
)
_INSERT_LINE = text(
    """
    INSERT INTO order_return_line (return_id, line_no, disposition, sku_id, quantity, reason)
    VALUES (:return_id, :line_no, :disposition, :sku_id, :quantity, :reason)
    """
)
_RETURNS = text(
    """
    SELECT r.id, r.order_id, loc.code AS location, r.refund_amount, r.currency, r.note,
           r.actor, r.created_at, rl.line_no, s.code AS sku, rl.quantity, rl.disposition,
           rl.reason
      FROM (SELECT * FROM order_return
             WHERE order_id = :order_id
               AND (CAST(:return_id AS uuid) IS NULL OR id = :return_id)
               AND (CAST(:after_at AS timestamptz) IS NULL
                    OR (created_at, id) > (:after_at, CAST(:after_id AS uuid)))
             ORDER BY created_at, id
             LIMIT :limit) r
      JOIN location loc ON loc.id = r.location_id
      JOIN order_return_line rl ON rl.return_id = r.id
      JOIN sku s ON s.id = rl.sku_id
     ORDER BY r.created_at, r.id, rl.line_no, rl.disposition
    """
)
_RETURNED_HERE = text(
    "SELECT EXISTS (SELECT 1 FROM order_return WHERE order_id = :id AND location_id = ANY(:scope))"
)


async def create_return(
    session: AsyncSession, principal: Principal, order_id: uuid.UUID, data: ReturnIn
) -> ReturnOut:
    """Record the return and its stock movements at ``data.location``, then the order's status.

    NotFound for an order the caller may not read (nothing written), Forbidden at a location
    outside its scope, InvalidInput for more units than delivered and not yet returned or a
    refund above what they cost.
    """
    location = await location_by_code(session, data.location)
    require_at(principal, Action.RETURN, location.id, location.code)
    conn = await session.connection()
    access = await order_access(conn, principal, order_id)
    # An order the token may not read is missing to it: nothing is written.
    if not may_take_return(principal, location_id=location.id, access=access.kind):
        raise NotFound("order not found")
    order = (await session.execute(_LOCK_ORDER, {"id": order_id})).first()
    if order is None:
        raise NotFound("order not found")
    await record_access(conn, principal, order_id, access)
    facts = {"id": order_id, "delivered": sorted(DELIVERED_STATES)}
    lines = {r.line_no: r for r in await session.execute(_RETURNABLE, facts)}
    _check_lines(data, lines)
    value = sum(line.quantity * lines[line.line_no].unit_price for line in data.lines)
    if data.refund_amount > value:
        raise InvalidInput(
            f"refund {data.refund_amount} is more than the returned units cost ({value}"
            f" {order.currency})",
            refund_amount=data.refund_amount,
            value=value,
            currency=order.currency,
        )

    return_id = uuid.uuid4()
    await session.execute(
        _INSERT_RETURN,
        {
            "id": return_id,
            "order_id": order_id,
            "location_id": location.id,
            "refund": data.refund_amount,
            "currency": order.currency,
            "note": data.note,
            "actor": principal.actor,
        },
    )
    await session.execute(
        _INSERT_LINE,
        [
            {
                "return_id": return_id,
                "line_no": line.line_no,
                "disposition": line.disposition,
                "sku_id": lines[line.line_no].sku_id,
                "quantity": line.quantity,
                "reason": line.reason,
            }
            for line in data.lines
        ],
    )
    # SKU-id order: the receiving location's levels are locked in the usual order.
    for line in sorted(data.lines, key=lambda x: (lines[x.line_no].sku_id, x.disposition)):
        sku_id = lines[line.line_no].sku_id
        source = Source(
            "return", str(return_id), principal.actor, reason=line.reason or line.disposition
        )
        await add_on_hand(session, sku_id, location.id, line.quantity, MovementKind.RETURN, source)
        if line.disposition == "damaged":
            await add_on_hand(
                session, sku_id, location.id, -line.quantity, MovementKind.DAMAGE, source
            )
    await record_event(
        session,
        order_id,
        EventKind.ORDER_RETURNED,
        principal.actor,
        detail={
            "return_id": str(return_id),
            "location": location.code,
            "lines": [
                {
                    "line_no": line.line_no,
                    "sku": lines[line.line_no].sku,
                    "quantity": line.quantity,
                    "disposition": line.disposition,
                    "reason": line.reason,
                }
                for line in data.lines
            ],
            "refund_amount": data.refund_amount,
            "currency": order.currency,
        },
    )
    await refresh_status(session, order_id)
    returns = await _returns(session, order_id, return_id)
    return returns[0]


def _check_lines(data: ReturnIn, lines: dict[int, Any]) -> None:
    seen: set[tuple[int, str]] = set()
    asked: dict[int, int] = defaultdict(int)
    for line in data.lines:
        if line.line_no not in lines:
            raise InvalidInput(f"the order has no line {line.line_no}", line_no=line.line_no)
        key = (line.line_no, line.disposition)
        if key in seen:
            raise InvalidInput(
                f"line {line.line_no} is listed twice as {line.disposition}",
                line_no=line.line_no,
            )
        seen.add(key)
        asked[line.line_no] += line.quantity
    for line_no, quantity in asked.items():
        row = lines[line_no]
        returnable = row.delivered - row.returned
        if quantity > returnable:
            raise InvalidInput(
                f"line {line_no}: {quantity} to return, but only {returnable} delivered"
                " and not yet returned",
                line_no=line_no,
                delivered=row.delivered,
                returned=row.returned,
            )


async def list_returns(
    session: AsyncSession,
    principal: Principal,
    order_id: uuid.UUID,
    limit: int,
    cursor: str | None,
) -> ReturnList:
    """Oldest first."""
    after = decode_time_key(cursor) if cursor is not None else None
    require(principal, Action.READ_ORDERS)
    conn = await session.connection()
    access = await order_access(conn, principal, order_id)
    took_here = principal.is_scoped and bool(
        await session.scalar(
            _RETURNED_HERE, {"id": order_id, "scope": sorted(principal.location_ids)}
        )
    )
    if not may_read_returns(principal, access=access.kind, took_return_here=took_here):
        raise NotFound("order not found")
    await record_access(conn, principal, order_id, access)
    found = await _returns(session, order_id, None, limit=limit + 1, after=after)
    items, more = found[:limit], len(found) > limit
    last = items[-1] if more else None
    return ReturnList(
        items=items,
        next_cursor=encode_time_key(last.created_at, last.id) if last is not None else None,
    )


async def _returns(
    session: AsyncSession,
    order_id: uuid.UUID,
    return_id: uuid.UUID | None,
    *,
    limit: int | None = None,
    after: tuple[datetime, uuid.UUID] | None = None,
) -> list[ReturnOut]:
    """The order's returns (or the one named) in time order, ``limit`` of them after the
    (created_at, id) key ``after`` when given."""
    after_at, after_id = after if after is not None else (None, None)
    params = {
        "order_id": order_id,
        "return_id": return_id,
        "after_at": after_at,
        "after_id": after_id,
        "limit": limit,
    }
    rows = (await session.execute(_RETURNS, params)).all()
    grouped = group_rows(rows, lambda r: r.id)
    return [
        ReturnOut(
            id=first.id,
            order_id=first.order_id,
            location=first.location,
            lines=[
                ReturnLineOut(
                    line_no=r.line_no,
                    sku=r.sku,
                    quantity=r.quantity,
                    disposition=r.disposition,
                    reason=r.reason,
                )
                for r in group
            ],
            refund_amount=first.refund_amount,
            currency=first.currency,
            note=first.note,
            actor=first.actor,
            created_at=first.created_at,
        )
        for group in grouped.values()
        for first in [group[0]]
    ]
