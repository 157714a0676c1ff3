"""A channel sends an order it already sent: answer with the first, and say if it differs.

Marketplaces resend orders (retries, re-syncs), and each resend of a (channel, external
id) is answered with the order placed the first time. If the resend says something else
(another quantity, another address), the channel has changed the order on its side and
this service has not: the caller is told (``body_differs``) and the order's timeline
records it, once per distinct body, so someone can reconcile. Orders placed before the
intake's fingerprint was kept have none and are never said to differ.
"""

from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from oms.domain.fingerprint import fingerprint
from oms.orders.schemas import OrderIn
from oms.orders.services.events import EventKind

_FINGERPRINT = text("SELECT intake_fingerprint FROM sales_order WHERE id = :id")
# The lock makes concurrent resends of the same different body record it once: the second
# waits, then its insert (a new statement, so a new snapshot) sees the first one's event.
_LOCK = text("SELECT 1 FROM sales_order WHERE id = :id FOR UPDATE")
_RECORD = text(
    """
    INSERT INTO order_event (order_id, kind, actor, detail)
    SELECT CAST(:id AS uuid), CAST(:kind AS text), CAST(:actor AS text),
           jsonb_build_object('fingerprint', CAST(:hex AS text))
     WHERE NOT EXISTS (SELECT 1 FROM order_event
                        WHERE order_id = CAST(:id AS uuid) AND kind = CAST(:kind AS text)
                          AND detail ->> 'fingerprint' = CAST(:hex AS text))
    """
)


def intake_fingerprint(data: OrderIn) -> bytes:
    """What the order request said, whatever its JSON looked like."""
    return fingerprint(data, scope=b"order")


async def answer_resend(
    conn: AsyncConnection, order_id: uuid.UUID, intake: bytes, *, actor: str
) -> bool:
    """Whether the resend's body differs from the first; if so, it is in the timeline."""
    first = await conn.scalar(_FINGERPRINT, {"id": order_id})
    if first is None or bytes(first) == intake:
        return False
    await conn.execute(_LOCK, {"id": order_id})
    await conn.execute(
        _RECORD,
        {
            "id": order_id,
            "kind": EventKind.ORDER_DUPLICATE_WITH_DIFFERENT_BODY.value,
            "actor": actor,
            "hex": intake.hex(),
        },
    )
    return True
