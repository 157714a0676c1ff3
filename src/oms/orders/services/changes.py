"""Cancel an order or some of its units; edit quantities before picking starts.

Cancelled units come from the backorder first (nothing is held for them), then from the
newest live fulfilments, whose holds give back exactly those units. Raised quantities are
routed like a placement: what no location can cover is backordered, or, on a channel that
takes no backorders, the edit is refused (409 ``insufficient_stock``) and changes nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from oms.db.rows import group_rows
from oms.domain.access import Action, Principal, require
from oms.domain.errors import InvalidInput, InvalidState, NotFound
from oms.domain.fulfilment_flow import LIVE_STATES, WORK_STATES
from oms.inventory.ledger.writers import Source
from oms.orders.schemas import MAX_AMOUNT, CancelIn, EditIn, OrderOut, check_total
from oms.orders.services.edit_growth import allocate_growth
from oms.orders.services.events import EventKind, record_event
from oms.orders.services.queries import get_order_out, may_see
from oms.orders.services.reservation import release_all, release_units
from oms.orders.services.status import refresh_status

_ORDER = text(
    """
    SELECT o.id, o.number, ch.code AS channel FROM sales_order o
      JOIN channel ch ON ch.id = o.channel_id WHERE o.id = :id FOR UPDATE OF o
    """
)
_LINES = text(
    "SELECT line_no, sku_id, quantity, quantity_cancelled, quantity_backordered, unit_price"
    " FROM order_line WHERE order_id = :id ORDER BY line_no"
)
_LIVE_UNITS = text(
    """
    SELECT f.id, f.state, f.method, f.location_id, f.awaits_fulfilment_id,
           fl.line_no, fl.sku_id, fl.quantity - fl.quantity_short AS units
      FROM fulfilment f JOIN fulfilment_line fl ON fl.fulfilment_id = f.id
     WHERE f.order_id = :id AND f.state = ANY(:live)
     ORDER BY f.created_at DESC, f.id
    """
)
_GROW_LINE = text(
    "UPDATE order_line SET quantity = quantity + :more WHERE order_id = :id AND line_no = :n"
)
_TOTAL = text(
    """
    SELECT coalesce(sum((quantity - quantity_cancelled)::numeric * unit_price), 0)
      FROM order_line WHERE order_id = :id
    """
)
_SET_TOTAL = text("UPDATE sales_order SET total_amount = :total, updated_at = now() WHERE id = :id")
_CANCEL_LINE_UNITS = text(
    """
    UPDATE order_line
       SET quantity_cancelled = quantity_cancelled + :quantity,
           quantity_backordered = quantity_backordered - :from_backorder
     WHERE order_id = :id AND line_no = :n
    """
)
_SHRINK_FULFILMENT_LINE = text(
    """
    UPDATE fulfilment_line SET quantity = quantity - :units
     WHERE fulfilment_id = :f AND line_no = :n AND quantity - quantity_short > :units
    RETURNING quantity
    """
)
_DROP_FULFILMENT_LINE = text(
    "DELETE FROM fulfilment_line WHERE fulfilment_id = :f AND line_no = :n"
)
# The transfers still under way to the pickup store of :f (none unless :pickup).
_FEEDERS = text(
    """
    SELECT id FROM fulfilment
     WHERE order_id = :o AND method = 'transfer' AND state = ANY(:work)
       AND destination_location_id = (SELECT location_id FROM fulfilment WHERE id = :f)
       AND :pickup
    """
)
_CANCEL_FULFILMENT = text(
    """
    UPDATE fulfilment SET state = 'cancelled', reason = :reason, closed_at = now(),
           updated_at = now()
     WHERE id = :id
    """
)


@dataclass
class _Fulfilment:
    id: uuid.UUID
    state: str
    method: str
    location_id: int
    awaits: uuid.UUID | None
    units: dict[int, tuple[int, int]]  # line_no -> (sku_id, units)


async def cancel(
    session: AsyncSession, principal: Principal, order_id: uuid.UUID, data: CancelIn
) -> OrderOut:
    """The order after cancelling ``data.lines`` (None: every unit not yet delivered): backorders
    first, then units in fulfilments, whose holds go back to the shelf. NotFound for an order
    or line the caller may not see; InvalidInput for more units than a line can still lose;
    InvalidState when nothing is left to cancel, or for part of a pickup awaiting a transfer."""
    conn, _ = await _locked_order(session, principal, order_id)
    lines = {r.line_no: r for r in (await conn.execute(_LINES, {"id": order_id})).all()}
    fulfilments = await _live(conn, order_id)
    wanted = (
        {n: _cancellable(lines[n], fulfilments) for n in lines}
        if data.lines is None
        else {change.line_no: change.quantity for change in data.lines}
    )
    if not any(wanted.values()):
        raise InvalidState("nothing left to cancel: every unit is delivered or cancelled")
    source = Source("order", str(order_id), principal.actor, reason=data.reason)
    for line_no, quantity in sorted(wanted.items()):
        if line_no not in lines:
            raise NotFound(f"order has no line {line_no}", line_no=line_no)
        await _cancel_units(session, conn, order_id, lines[line_no], quantity, fulfilments, source)
    await record_event(
        conn,
        order_id,
        EventKind.ORDER_CANCELLED if data.lines is None else EventKind.ORDER_LINES_CANCELLED,
        principal.actor,
        detail={"reason": data.reason, "lines": {str(k): v for k, v in wanted.items() if v}},
    )
    await refresh_status(conn, order_id)
    return await get_order_out(conn, order_id)


async def edit(
    session: AsyncSession, principal: Principal, order_id: uuid.UUID, data: EditIn
) -> OrderOut:
    """The order after setting each listed line's quantity: fewer units are cancelled, more are
    routed (InsufficientStock if the channel would have to cancel some). InvalidState for a
    line already being picked; InvalidInput for a total above the limit."""
    conn, channel = await _locked_order(session, principal, order_id)
    lines = {r.line_no: r for r in (await conn.execute(_LINES, {"id": order_id})).all()}
    fulfilments = await _live(conn, order_id)
    started = [f for f in fulfilments if f.state != "pending"]
    source = Source("order", str(order_id), principal.actor, reason="edited")
    grown: dict[int, int] = {}  # line_no -> the quantity asked for
    for change in data.lines:
        line = lines.get(change.line_no)
        if line is None:
            raise NotFound(f"order has no line {change.line_no}", line_no=change.line_no)
        if any(change.line_no in f.units for f in started):
            raise InvalidState(f"line {change.line_no} is already being picked")
        current = line.quantity - line.quantity_cancelled
        if change.quantity < current:
            await _cancel_units(
                session, conn, order_id, line, current - change.quantity, fulfilments, source
            )
        elif change.quantity > current:
            await conn.execute(
                _GROW_LINE,
                {"more": change.quantity - current, "id": order_id, "n": change.line_no},
            )
            grown[change.line_no] = change.quantity
    # Summed as numeric (``_TOTAL``) and checked before it is stored: raised lines may add
    # up past the limit (or past a 64-bit column).
    total = int(await conn.scalar(_TOTAL, {"id": order_id}))
    try:
        check_total(total)
    except ValueError as exc:
        raise InvalidInput(str(exc), limit=MAX_AMOUNT) from None
    await conn.execute(_SET_TOTAL, {"id": order_id, "total": total})
    await record_event(
        conn,
        order_id,
        EventKind.ORDER_EDITED,
        principal.actor,
        detail={"lines": {str(c.line_no): c.quantity for c in data.lines}},
    )
    if grown:
        await allocate_growth(session, order_id, channel, grown, actor=principal.actor)
    await refresh_status(conn, order_id)
    return await get_order_out(conn, order_id)


async def _locked_order(
    session: AsyncSession, principal: Principal, order_id: uuid.UUID
) -> tuple[AsyncConnection, str]:
    """The caller's connection with the order locked, and the order's channel code."""
    require(principal, Action.CHANGE_ORDER)
    conn = await session.connection()
    order = (await conn.execute(_ORDER, {"id": order_id})).first()
    if order is None or not await may_see(conn, principal, order_id, order.channel):
        raise NotFound("order not found")
    return conn, str(order.channel)


async def _live(conn: AsyncConnection, order_id: uuid.UUID) -> list[_Fulfilment]:
    rows = await conn.execute(_LIVE_UNITS, {"id": order_id, "live": sorted(LIVE_STATES)})
    found = []
    for lines in group_rows(rows, lambda r: r.id).values():
        f = lines[0]
        units = {r.line_no: (r.sku_id, r.units) for r in lines}
        found.append(
            _Fulfilment(f.id, f.state, f.method, f.location_id, f.awaits_fulfilment_id, units)
        )
    return found


def _cancellable(line: Row[Any], fulfilments: list[_Fulfilment]) -> int:
    carried = sum(
        f.units.get(line.line_no, (0, 0))[1] for f in fulfilments if f.method != "transfer"
    )
    return int(line.quantity_backordered) + carried


async def _cancel_units(
    session: AsyncSession,
    conn: AsyncConnection,
    order_id: uuid.UUID,
    line: Row[Any],
    quantity: int,
    fulfilments: list[_Fulfilment],
    source: Source,
) -> None:
    if quantity > _cancellable(line, fulfilments):
        raise InvalidInput(
            f"line {line.line_no}: only {_cancellable(line, fulfilments)} units can still be"
            " cancelled",
            line_no=line.line_no,
        )
    from_backorder = min(quantity, line.quantity_backordered)
    left = quantity - from_backorder
    for f in fulfilments:
        if left == 0:
            break
        if f.method == "transfer" or line.line_no not in f.units:
            continue
        sku_id, units = f.units[line.line_no]
        take = min(units, left)
        if take == units and sum(u for _, u in f.units.values()) == units:
            await _cancel_fulfilment(session, conn, order_id, f, source)
        elif f.awaits is not None:
            raise InvalidState(
                f"line {line.line_no} waits for a transfer to the pickup store: cancel the"
                " whole pickup instead",
                line_no=line.line_no,
            )
        else:
            await release_units(session, f.id, sku_id, f.location_id, take, source)
            await _shrink_line(conn, f.id, line.line_no, take)
        f.units[line.line_no] = (sku_id, units - take)
        left -= take
    await conn.execute(
        _CANCEL_LINE_UNITS,
        {"quantity": quantity, "from_backorder": from_backorder, "id": order_id, "n": line.line_no},
    )


async def _shrink_line(
    conn: AsyncConnection, fulfilment_id: uuid.UUID, line_no: int, units: int
) -> None:
    """Fewer units of a line in a fulfilment that goes on; a line down to none goes."""
    params = {"f": fulfilment_id, "n": line_no, "units": units}
    remaining = await conn.scalar(_SHRINK_FULFILMENT_LINE, params)
    if remaining is None:
        await conn.execute(_DROP_FULFILMENT_LINE, params)


async def _cancel_fulfilment(
    session: AsyncSession,
    conn: AsyncConnection,
    order_id: uuid.UUID,
    f: _Fulfilment,
    source: Source,
) -> None:
    """Cancel a fulfilment and give back all it holds, with any transfer feeding it."""
    feeders = (
        (
            await conn.execute(
                _FEEDERS,
                {
                    "o": order_id,
                    "f": f.id,
                    "work": sorted(WORK_STATES),
                    "pickup": f.method == "pickup",
                },
            )
        )
        .scalars()
        .all()
    )
    for fulfilment_id in [f.id, *feeders]:
        await release_all(session, fulfilment_id, source)
        await conn.execute(_CANCEL_FULFILMENT, {"id": fulfilment_id, "reason": source.reason})
        await record_event(
            conn,
            order_id,
            EventKind.FULFILMENT_CANCELLED,
            source.actor,
            fulfilment_id=fulfilment_id,
            detail={"reason": source.reason},
        )
