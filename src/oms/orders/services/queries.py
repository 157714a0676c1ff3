"""Reading orders: one order in full, lists, its timeline and its routing decisions.

Who may read which order is ``domain.access.order_read_access``; this module gathers its
facts in one statement and writes a read through a customer look-up into the timeline.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import text
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from oms.customers.services.visibility import WORKS_HERE_SQL, live_grant
from oms.db.rows import group_rows
from oms.domain.access import Action, Principal, channel_scope, order_list_scope, require
from oms.domain.cursors import decode_cursor, encode_cursor
from oms.domain.errors import NotFound
from oms.domain.fulfilment_flow import DEAD_STATES
from oms.orders.schemas import (
    CustomerOut,
    FulfilmentOut,
    OrderEventOut,
    OrderEventPage,
    OrderIn,
    OrderLineOut,
    OrderOut,
    OrderPage,
    OrderSummary,
    RoutingDecisionOut,
    RoutingDecisionPage,
)
from oms.orders.services.fulfilment_views import PlacedFulfilment, PlacedLine, fulfilment_view
from oms.orders.services.order_access import may_see as may_see  # cancel and edit use it
from oms.orders.services.order_access import open_order

if TYPE_CHECKING:
    from oms.orders.services.planning import Written

_ORDER = text(
    """
    SELECT o.*, ch.code AS channel, cu.name AS profile_name, cu.email AS profile_email,
           cu.phone AS profile_phone
      FROM sales_order o
      JOIN channel ch ON ch.id = o.channel_id
      JOIN customer cu ON cu.id = o.customer_id
     WHERE o.id = :id
    """
)
_LINES = text(
    """
    SELECT ol.*, s.code AS sku FROM order_line ol JOIN sku s ON s.id = ol.sku_id
     WHERE ol.order_id = :id ORDER BY ol.line_no
    """
)
_FULFILMENTS = text(
    """
    SELECT f.*, loc.code AS location_code, dest.code AS destination_code,
           fl.line_no, fl.quantity, fl.quantity_short, s.code AS sku
      FROM fulfilment f
      JOIN location loc ON loc.id = f.location_id
      LEFT JOIN location dest ON dest.id = f.destination_location_id
      JOIN fulfilment_line fl ON fl.fulfilment_id = f.id
      JOIN sku s ON s.id = fl.sku_id
     WHERE f.order_id = :id
     ORDER BY f.created_at, f.id, fl.line_no
    """
)


async def order_for(conn: AsyncConnection, principal: Principal, order_id: uuid.UUID) -> OrderOut:
    """The order if this caller may read it; the same 404 as a missing one otherwise."""
    await open_order(conn, principal, order_id)
    return await get_order_out(conn, order_id)


async def get_order_out(conn: AsyncConnection, order_id: uuid.UUID) -> OrderOut:
    """The order document as this transaction sees it, with no access check (the caller has
    made one); NotFound if there is no such order."""
    order = (await conn.execute(_ORDER, {"id": order_id})).first()
    if order is None:
        raise NotFound("order not found")
    lines = (await conn.execute(_LINES, {"id": order_id})).all()
    rows = (await conn.execute(_FULFILMENTS, {"id": order_id})).all()
    fulfilments = _fulfilments(rows)
    allocated = _allocated(fulfilments)
    return OrderOut(
        id=order.id,
        number=order.number,
        channel=order.channel,
        external_id=order.external_id,
        status=order.status,
        customer=CustomerOut(
            id=order.customer_id,
            name=order.profile_name,
            email=order.profile_email,
            phone=order.profile_phone,
        ),
        currency=order.currency,
        total=order.total_amount,
        lines=[
            OrderLineOut(
                line_no=line.line_no,
                sku=line.sku,
                quantity=line.quantity,
                unit_price=line.unit_price,
                line_total=line.quantity * line.unit_price,
                delivery=line.delivery_no,
                allocated=allocated.get(line.line_no, 0),
                backordered=line.quantity_backordered,
                cancelled=line.quantity_cancelled,
            )
            for line in lines
        ],
        deliveries=order.deliveries,
        fulfilments=fulfilments,
        tracking_token=order.tracking_token,
        language=order.language,
        created_at=order.created_at,
        updated_at=order.updated_at,
    )


def _fulfilments(rows: Sequence[Row[Any]]) -> list[FulfilmentOut]:
    """One joined row per fulfilment line, ordered by fulfilment."""
    return [fulfilment_view(lines[0], lines) for lines in group_rows(rows, lambda r: r.id).values()]


def _allocated(fulfilments: list[FulfilmentOut]) -> dict[int, int]:
    """Units per line in live or delivered customer fulfilments (transfers only move
    stock to the pickup store, whose fulfilment already counts those units)."""
    totals: dict[int, int] = defaultdict(int)
    for f in fulfilments:
        if f.method != "transfer" and f.state not in DEAD_STATES:
            for line in f.lines:
                totals[line.line_no] += line.quantity - line.short
    return dict(totals)


def placed_order_out(
    written: Written,
    data: OrderIn,
    *,
    order_id: uuid.UUID,
    customer_id: uuid.UUID,
    tracking_token: str,
    total: int,
    status: str,
    deliveries: list[dict[str, Any]],
    backordered: Mapping[int, int],
    location_code: Mapping[int, str],
    sku_code: Mapping[int, str],
) -> OrderOut:
    """The new order's response, from what was just written (no reads)."""
    created_at: datetime = written.row.created_at
    fulfilments = [
        fulfilment_view(
            PlacedFulfilment(
                id=f.id,
                location_code=location_code[f.location_id],
                method=f.method,
                delivery_no=f.delivery_no,
                destination_code=location_code.get(f.destination_location_id or 0),
                awaits_fulfilment_id=f.awaits_fulfilment_id,
                created_at=created_at,
            ),
            [PlacedLine(line_no, sku_code[sku_id], q) for line_no, sku_id, q in f.lines],
        )
        for f in written.fulfilments
    ]
    allocated = _allocated(fulfilments)
    customer = data.customer
    return OrderOut(
        id=order_id,
        number=written.row.number,
        channel=data.channel,
        external_id=data.external_id,
        status=status,
        customer=CustomerOut(
            id=customer_id, name=customer.name, email=customer.email, phone=customer.phone
        ),
        currency=data.lines[0].currency,
        total=total,
        lines=[
            OrderLineOut(
                line_no=n,
                sku=line.sku,
                quantity=line.quantity,
                unit_price=line.unit_price,
                line_total=line.quantity * line.unit_price,
                delivery=line.delivery,
                allocated=allocated.get(n, 0),
                backordered=backordered.get(n, 0),
                cancelled=0,
            )
            for n, line in enumerate(data.lines, start=1)
        ],
        deliveries=deliveries,
        fulfilments=fulfilments,
        tracking_token=tracking_token,
        language=data.language,
        created_at=created_at,
        updated_at=created_at,
    )


_LIST = text(
    "".join(
        (
            """
    SELECT o.id, o.number, ch.code AS channel, o.external_id, o.status, o.customer_name,
           o.currency, o.total_amount, o.created_at
      FROM sales_order o JOIN channel ch ON ch.id = o.channel_id
     WHERE (CAST(:channel AS text) IS NULL OR ch.code = :channel)
       AND (CAST(:status AS text) IS NULL OR o.status = :status)
       AND (CAST(:customer AS uuid) IS NULL OR o.customer_id = :customer)
       AND (CAST(:location AS bigint) IS NULL OR EXISTS (
            SELECT 1 FROM fulfilment f WHERE f.order_id = o.id
               AND (f.location_id = :location OR f.destination_location_id = :location)))
       AND (CAST(:scope AS bigint[]) IS NULL OR """,
            WORKS_HERE_SQL,
            """)
       AND (CAST(:after AS bigint) IS NULL OR o.number < :after)
     ORDER BY o.number DESC
     LIMIT :limit
    """,
        )
    )
)
_LOCATION_ID = text("SELECT id FROM location WHERE code = :code")


async def list_orders(
    conn: AsyncConnection,
    principal: Principal,
    *,
    channel: str | None,
    status: str | None,
    customer: uuid.UUID | None,
    location: str | None,
    cursor: str | None,
    limit: int,
) -> OrderPage:
    """Newest first, keyset-paged by order number."""
    require(principal, Action.READ_ORDERS)
    own_channel = channel_scope(principal)
    if own_channel is not None:
        if channel not in (None, own_channel):
            return OrderPage(items=[])
        channel = own_channel
    location_id = None
    if location is not None:
        location_id = await conn.scalar(_LOCATION_ID, {"code": location})
        if location_id is None:
            raise NotFound(f"location {location!r} not found")
    # One customer's orders: a store token that looked them up sees their whole history.
    grant = (
        await live_grant(conn, principal.token_id, customer)
        if customer is not None and principal.is_scoped
        else None
    )
    scope = order_list_scope(principal, customer_grant=grant is not None)
    rows = (
        await conn.execute(
            _LIST,
            {
                "channel": channel,
                "status": status,
                "customer": customer,
                "location": location_id,
                "scope": sorted(scope) if scope is not None else None,
                "actor": principal.actor,
                "after": decode_cursor(cursor, int)[0] if cursor else None,
                "limit": limit + 1,
            },
        )
    ).all()
    items = [
        OrderSummary(
            id=r.id,
            number=r.number,
            channel=r.channel,
            external_id=r.external_id,
            status=r.status,
            customer_name=r.customer_name,
            currency=r.currency,
            total=r.total_amount,
            created_at=r.created_at,
        )
        for r in rows[:limit]
    ]
    more = len(rows) > limit
    return OrderPage(items=items, next_cursor=encode_cursor(items[-1].number) if more else None)


_EVENTS = text(
    """
    SELECT id, kind, actor, fulfilment_id, detail, created_at FROM order_event
     WHERE order_id = :id AND id > :after ORDER BY id LIMIT :limit
    """
)
_ROUTING_DECISIONS = text(
    """
    SELECT id, trigger, attempts, explanation, created_at FROM routing_decision
     WHERE order_id = :id AND id > :after ORDER BY id LIMIT :limit
    """
)


async def order_events(
    conn: AsyncConnection,
    principal: Principal,
    order_id: uuid.UUID,
    limit: int,
    cursor: str | None,
) -> OrderEventPage:
    """The timeline oldest first, in id order."""
    await open_order(conn, principal, order_id)
    rows = await conn.execute(_EVENTS, _id_page(order_id, limit, cursor))
    items = [OrderEventOut(**r._mapping) for r in rows]
    return OrderEventPage(items=items[:limit], next_cursor=_next_id_cursor(items, limit))


async def routing_decisions(
    conn: AsyncConnection,
    principal: Principal,
    order_id: uuid.UUID,
    limit: int,
    cursor: str | None,
) -> RoutingDecisionPage:
    """Decisions oldest first, in id order."""
    await open_order(conn, principal, order_id)
    rows = await conn.execute(_ROUTING_DECISIONS, _id_page(order_id, limit, cursor))
    items = [RoutingDecisionOut(**r._mapping) for r in rows]
    return RoutingDecisionPage(items=items[:limit], next_cursor=_next_id_cursor(items, limit))


def _id_page(order_id: uuid.UUID, limit: int, cursor: str | None) -> dict[str, Any]:
    """Parameters for one page of an order's rows in id order (ids start at 1)."""
    after = decode_cursor(cursor, int)[0] if cursor is not None else 0
    return {"id": order_id, "after": after, "limit": limit + 1}


def _next_id_cursor(items: Sequence[OrderEventOut | RoutingDecisionOut], limit: int) -> str | None:
    return encode_cursor(items[limit - 1].id) if len(items) > limit else None
