"""The order timeline: every change to an order or its fulfilments appends one event.

``EventKind`` is every kind there is: producers pass a member, so a typo does not type-check
and a reader finds each producer and consumer of a kind by its name. The stored value is
the member's value.
"""

from __future__ import annotations

import enum
import json
import uuid
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession


class EventKind(enum.StrEnum):
    # The order as a whole.
    ORDER_PLACED = "order.placed"
    ORDER_BACKORDERED = "order.backordered"  # some lines wait for stock
    ORDER_EDITED = "order.edited"
    ORDER_LINES_CANCELLED = "order.lines_cancelled"
    ORDER_CANCELLED = "order.cancelled"
    ORDER_RETURNED = "order.returned"
    # Store staff read it through a customer look-up (written by the read, once per grant).
    ORDER_ACCESSED_BY_STAFF = "order.accessed_by_staff"
    # A resend of (channel, external id) that said something else (once per distinct body).
    ORDER_DUPLICATE_WITH_DIFFERENT_BODY = "order.duplicate_with_different_body"
    # A line of an order taken by store staff charged another price than the channel's list.
    PRICE_OVERRIDDEN = "order.price_overridden"
    # A fulfilment: created by routing, then one event per state it enters.
    FULFILMENT_CREATED = "fulfilment.created"
    FULFILMENT_PICKING = "fulfilment.picking"
    FULFILMENT_PACKED = "fulfilment.packed"
    FULFILMENT_SHIPPED = "fulfilment.shipped"
    FULFILMENT_READY_FOR_PICKUP = "fulfilment.ready_for_pickup"
    FULFILMENT_PICKED_UP = "fulfilment.picked_up"
    FULFILMENT_REJECTED = "fulfilment.rejected"
    FULFILMENT_CANCELLED = "fulfilment.cancelled"
    # ... and what happens to it besides.
    FULFILMENT_SHORT_PICKED = "fulfilment.short_picked"
    FULFILMENT_TRANSFER_ARRIVED = "fulfilment.transfer_arrived"
    FULFILMENT_TRANSFER_RECEIVED = "fulfilment.transfer_received"
    FULFILMENT_PICKUP_CODE_WRONG = "fulfilment.pickup_code_wrong"
    FULFILMENT_PICKUP_CODE_LOCKED = "fulfilment.pickup_code_locked"
    FULFILMENT_PICKUP_CODE_UNLOCKED = "fulfilment.pickup_code_unlocked"
    # A customer message that was not sent (e.g. the order has no email).
    NOTIFICATION_SKIPPED = "notification.skipped"


def entered(state: str) -> EventKind:
    """The event a fulfilment's move into ``state`` records (ValueError: no such event)."""
    return EventKind(f"fulfilment.{state}")


_INSERT_EVENT = text(
    """
    INSERT INTO order_event (order_id, fulfilment_id, kind, actor, detail)
    VALUES (:order_id, :fulfilment_id, :kind, :actor, CAST(:detail AS jsonb))
    """
)


async def record_event(
    db: AsyncSession | AsyncConnection,
    order_id: uuid.UUID,
    kind: EventKind,
    actor: str,
    *,
    fulfilment_id: uuid.UUID | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append ``kind`` (e.g. ``EventKind.FULFILMENT_SHIPPED``) with JSON-ready ``detail``."""
    await db.execute(
        _INSERT_EVENT,
        {
            "order_id": order_id,
            "fulfilment_id": fulfilment_id,
            "kind": kind.value,
            "actor": actor,
            "detail": json.dumps(detail or {}),
        },
    )
