"""Route the units of an existing order that no fulfilment carries yet.

Used after a short pick (the rest goes to the next best location), when backordered
stock arrives, and when an edit raises a quantity. Units that still find no location are
backordered or cancelled, as the channel's policy says.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from oms.channels.services.policy import channel_policy
from oms.domain.fulfilment_flow import DEAD_STATES
from oms.domain.routing import Candidate, Plan
from oms.orders.services import groups as group_builder
from oms.orders.services.events import EventKind, record_event
from oms.orders.services.plan_statement import ALLOCATE
from oms.orders.services.planning import plan_and_write, read_candidates
from oms.orders.services.status import refresh_status

# Units a line still needs placed: not cancelled and not carried by a customer-facing
# fulfilment that is live or delivered (transfers only feed a pickup fulfilment).
_OPEN_UNITS = text(
    """
    SELECT ol.line_no, ol.sku_id, ol.delivery_no, ol.quantity_backordered,
           ol.quantity - ol.quantity_cancelled - coalesce(sum(fl.quantity - fl.quantity_short)
               FILTER (WHERE f.method <> 'transfer'
                         AND f.state <> ALL(:dead)), 0) AS open
      FROM order_line ol
      LEFT JOIN fulfilment f ON f.order_id = ol.order_id
      LEFT JOIN fulfilment_line fl ON fl.fulfilment_id = f.id AND fl.line_no = ol.line_no
     WHERE ol.order_id = :order_id
     GROUP BY ol.order_id, ol.line_no
     ORDER BY ol.line_no
    """
)
_ORDER = text(
    """
    SELECT o.id, o.number, o.deliveries, ch.code AS channel
      FROM sales_order o JOIN channel ch ON ch.id = o.channel_id
     WHERE o.id = :order_id
       FOR UPDATE OF o
    """
)
_PICKUP_IDS = text("SELECT code, id FROM location WHERE code = ANY(:codes)")
_SET_REMAINDER = text(
    """
    UPDATE order_line
       SET quantity_backordered = :backordered,
           quantity_cancelled = quantity_cancelled + :cancelled
     WHERE order_id = :order_id AND line_no = :line_no
    """
)


@dataclass(frozen=True, slots=True)
class AllocationOutcome:
    fulfilments: int  # new fulfilments created
    backordered: int  # units waiting for stock
    cancelled: int  # units given up on (channel takes no backorders)


async def allocate_open_units(
    session: AsyncSession,
    order_id: uuid.UUID,
    *,
    trigger: str,
    actor: str,
    avoid: Collection[int] = (),
) -> AllocationOutcome:
    """Place every open unit of the order; ``avoid`` location ids are not considered
    (e.g. the store that just could not find the item)."""
    conn = await session.connection()
    order = (await conn.execute(_ORDER, {"order_id": order_id})).one()  # serialises changes
    lines = (
        await conn.execute(_OPEN_UNITS, {"order_id": order_id, "dead": sorted(DEAD_STATES)})
    ).all()
    open_units = [(r.delivery_no, r.line_no, r.sku_id, r.open) for r in lines if r.open > 0]
    if not open_units:
        return AllocationOutcome(0, 0, 0)
    channel = await channel_policy(conn, order.channel)
    assert channel is not None  # orders keep their channel (channels are only deactivated)
    pickup_ids = await _pickup_ids(conn, order.deliveries)
    groups = group_builder.from_stored(order.deliveries, open_units, pickup_ids)
    wanted_skus, always = sorted({u[2] for u in open_units}), list(pickup_ids.values())
    candidates = await read_candidates(conn, wanted_skus, always)
    policy = replace(
        channel.routing(),
        eligible_location_ids=_without(channel.eligible_location_ids, avoid, candidates),
    )
    written = await plan_and_write(
        conn,
        ALLOCATE,
        {"order_id": order_id, "actor": actor, "reference": f"order {order.number}"},
        groups,
        candidates,
        policy,
        trigger=trigger,
        sku_ids=wanted_skus,
        always=always,
        accept=lambda _plan, _seen: {},
    )
    assert written is not None  # ALLOCATE always has its order row
    backordered, cancelled = await _settle_remainder(
        conn, order_id, written.plan, lines, backorders=channel.backorders, actor=actor
    )
    await refresh_status(conn, order_id)
    return AllocationOutcome(len(written.fulfilments), backordered, cancelled)


def _without(
    eligible: frozenset[int] | None, avoid: Collection[int], candidates: list[Candidate]
) -> frozenset[int] | None:
    if not avoid:
        return eligible
    every = eligible if eligible is not None else frozenset(c.location_id for c in candidates)
    return every - frozenset(avoid)


async def _pickup_ids(conn: AsyncConnection, deliveries: list[dict[str, Any]]) -> dict[str, int]:
    codes = sorted({d["location"] for d in deliveries if d.get("method") == "pickup"})
    if not codes:
        return {}
    rows = await conn.execute(_PICKUP_IDS, {"codes": codes})
    return {r.code: r.id for r in rows}


async def _settle_remainder(
    conn: AsyncConnection,
    order_id: uuid.UUID,
    plan_: Plan,
    lines: Sequence[Row[Any]],
    *,
    backorders: bool,
    actor: str,
) -> tuple[int, int]:
    """What the plan could not place waits for stock, or is cancelled."""
    short: dict[int, int] = {}
    for _, demand in plan_.unallocated:
        short[demand.line_no] = short.get(demand.line_no, 0) + demand.quantity
    backordered = cancelled = 0
    for line in lines:
        missing = short.get(line.line_no, 0)
        if missing == 0 and line.quantity_backordered == 0:
            continue
        if backorders:
            await conn.execute(
                _SET_REMAINDER,
                {
                    "order_id": order_id,
                    "line_no": line.line_no,
                    "backordered": missing,
                    "cancelled": 0,
                },
            )
            backordered += missing
        elif missing:
            await conn.execute(
                _SET_REMAINDER,
                {
                    "order_id": order_id,
                    "line_no": line.line_no,
                    "backordered": 0,
                    "cancelled": missing,
                },
            )
            cancelled += missing
    if backordered:
        await record_event(
            conn,
            order_id,
            EventKind.ORDER_BACKORDERED,
            actor,
            detail={"lines": {str(k): v for k, v in short.items()}},
        )
    if cancelled:
        await record_event(
            conn,
            order_id,
            EventKind.ORDER_LINES_CANCELLED,
            actor,
            detail={"lines": {str(k): v for k, v in short.items()}, "reason": "no_stock"},
        )
    return backordered, cancelled
