"""The store's work queue, one fulfilment's card, and its pick list."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from oms.catalogue.services.refs import location_by_code
from oms.domain.access import Action, Principal, require_at
from oms.domain.cursors import decode_time_key, encode_time_key
from oms.domain.fulfilment_flow import LIVE_STATES, STATES
from oms.fulfilment.schemas import FulfilmentCard, FulfilmentQueue, PickLine, PickList
from oms.fulfilment.services.records import (
    FulfilmentRow,
    LineRow,
    awaiting_transfer,
    lines_of,
    queue_rows,
    read_for_work,
    read_visible,
)
from oms.orders.schemas import FulfilmentState
from oms.orders.services.fulfilment_views import fulfilment_view

# What a store still has to act on, when the caller names no state (in flow order).
OPEN_STATES: tuple[FulfilmentState, ...] = tuple(s for s in STATES if s in LIVE_STATES)

_PICK_LINES = text(
    """
    SELECT fl.line_no, s.code, s.name, fl.quantity - fl.quantity_short AS quantity,
           fl.quantity_picked AS picked,
           coalesce(array_agg(b.gtin ORDER BY b.gtin) FILTER (WHERE b.gtin IS NOT NULL),
                    '{}') AS barcodes
      FROM fulfilment_line fl
      JOIN sku s ON s.id = fl.sku_id
      LEFT JOIN barcode b ON b.sku_id = fl.sku_id
     WHERE fl.fulfilment_id = :id AND fl.quantity > fl.quantity_short
     GROUP BY fl.line_no, s.code, s.name, fl.quantity, fl.quantity_short, fl.quantity_picked
     ORDER BY s.code, fl.line_no
    """
)


async def list_queue(
    session: AsyncSession,
    principal: Principal,
    *,
    location: str,
    states: Sequence[FulfilmentState] | None,
    method: str | None,
    limit: int,
    cursor: str | None,
) -> FulfilmentQueue:
    """One page of the location's fulfilments in ``states`` (default: the open ones), oldest
    first. NotFound for an unknown location, Forbidden unless the caller may fulfil there."""
    found = await location_by_code(session, location, active_only=False)
    require_at(principal, Action.FULFIL, found.id, found.code)
    wanted = list(dict.fromkeys(states)) if states else list(OPEN_STATES)
    after = decode_time_key(cursor) if cursor is not None else None
    fetched = await queue_rows(session, found.id, wanted, method, limit + 1, after)
    rows, more = fetched[:limit], len(fetched) > limit
    lines = await lines_of(session, [row.id for row in rows])
    now = datetime.now(UTC)
    items = [await _card(session, row, lines.get(row.id, []), now) for row in rows]
    last = rows[-1] if more else None
    return FulfilmentQueue(
        location=found.code,
        states=wanted,
        items=items,
        next_cursor=encode_time_key(last.created_at, last.id) if last is not None else None,
    )


async def get_card(
    session: AsyncSession, principal: Principal, fulfilment_id: uuid.UUID
) -> FulfilmentCard:
    """The fulfilment with its order, age and whether it waits for a transfer; NotFound for
    a fulfilment the caller may not read (as for a missing one)."""
    row = await read_visible(session, principal, fulfilment_id)
    lines = await lines_of(session, [row.id])
    return await _card(session, row, lines.get(row.id, []), datetime.now(UTC))


async def pick_list(
    session: AsyncSession, principal: Principal, fulfilment_id: uuid.UUID
) -> PickList:
    """The units still to pick, in SKU-code order, with barcodes and what is picked so far;
    for callers who may fulfil at the location (another store's fulfilment is a NotFound)."""
    return await pick_list_of(session, await read_for_work(session, principal, fulfilment_id))


async def pick_list_of(session: AsyncSession, row: FulfilmentRow) -> PickList:
    """``pick_list`` for a fulfilment the caller has already read (or locked)."""
    rows = await session.execute(_PICK_LINES, {"id": row.id})
    return PickList(
        fulfilment_id=row.id,
        order_number=row.order_number,
        location=row.location_code,
        method=row.method,
        state=row.state,  # type: ignore[arg-type]
        lines=[
            PickLine(
                line_no=r.line_no,
                sku=r.code,
                name=r.name,
                barcodes=list(r.barcodes),
                quantity=r.quantity,
                picked=r.picked,
            )
            for r in rows
        ],
    )


async def _card(
    session: AsyncSession, row: FulfilmentRow, lines: list[LineRow], now: datetime
) -> FulfilmentCard:
    return FulfilmentCard(
        fulfilment=fulfilment_view(row, lines),
        order_id=row.order_id,
        order_number=row.order_number,
        customer_name=row.customer_name,
        age_seconds=max(0, int((now - row.created_at).total_seconds())),
        awaiting_transfer=await awaiting_transfer(session, row),
        ready_at=row.ready_at,
        closed_at=row.closed_at,
    )
