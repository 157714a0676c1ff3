"""Queue a customer message in the caller's transaction; a job sends it after the commit.

The message is rendered now, from the facts of the change that caused it, and stored: what
the customer receives does not depend on what the order looks like when the job runs, and
the stored row is the record of what was said.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from oms.domain.errors import NotFound
from oms.i18n import negotiate
from oms.notifications.services.templates import render
from oms.orders.services.events import EventKind, record_event
from oms.outbox.messages import SendNotification
from oms.outbox.writer import enqueue_after_commit

ACTOR = "system:notifications"

# The order's email goes straight into the row.
_INSERT = text(
    """
    INSERT INTO notification (order_id, kind, recipient, subject, body, data)
    SELECT o.id, :kind, o.email, :subject, :body, CAST(:data AS jsonb)
      FROM sales_order o
     WHERE o.id = :order_id AND o.email IS NOT NULL AND btrim(o.email) <> ''
    RETURNING id
    """
)
_ORDER_FACTS = text(
    """
    SELECT o.tracking_token, o.language, o.currency, o.total_amount, c.customer_messages
      FROM sales_order o JOIN channel c ON c.id = o.channel_id
     WHERE o.id = :order_id
    """
)


async def queue_notification(
    session: AsyncSession,
    *,
    order_id: uuid.UUID,
    kind: str,
    data: dict[str, Any],
    public_url: str | None,
) -> None:
    """Render ``kind`` from ``data``, store it for the order's email and enqueue its sending.

    ``public_url`` (``OMS_PUBLIC_URL``, passed down by the controller or job): where
    customers reach the service; the message then links to the order's tracking page.
    The message is in the order's language (English when it has none we speak) and says
    the order's total.

    ValueError for an unknown kind or missing data (a programming error, not the
    customer's); NotFound for an unknown order. An order without an email, or on a channel
    whose own platform sends this kind of message, is not an error: nothing is queued and
    the timeline says why.
    """
    order = (await session.execute(_ORDER_FACTS, {"order_id": order_id})).one_or_none()
    if order is None:
        raise NotFound("order not found", order_id=str(order_id))
    # Stored with the rest: the record of what was said, total included.
    data = {"order_total": order.total_amount, "currency": order.currency, **data}
    if public_url and "tracking_url" not in data:
        data = {**data, "tracking_url": f"{public_url.rstrip('/')}/track/{order.tracking_token}"}
    # In the order's language when we speak it ("ro-MD" is Romanian), else English.
    subject, body = render(kind, data, negotiate(order.language, None))
    if kind not in order.customer_messages:
        # Written first all the same: a kind or data this service cannot word is a bug
        # wherever it is sent. The channel's own platform writes this one.
        await record_event(
            session,
            order_id,
            EventKind.NOTIFICATION_SKIPPED,
            ACTOR,
            detail={"kind": kind, "reason": "sent_by_channel"},
        )
        return
    notification_id = await session.scalar(
        _INSERT,
        {
            "order_id": order_id,
            "kind": kind,
            "subject": subject,
            "body": body,
            "data": json.dumps(data, default=str),
        },
    )
    if notification_id is None:  # the order has no email
        await record_event(
            session,
            order_id,
            EventKind.NOTIFICATION_SKIPPED,
            ACTOR,
            detail={"kind": kind, "reason": "no_email"},
        )
        return
    enqueue_after_commit(session, SendNotification(notification_id=notification_id))
