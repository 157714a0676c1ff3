"""The order timeline: every change to an order or its fulfilments appends one event."""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

_INSERT_EVENT = text(
    """
    INSERT INTO order_event (order_id, fulfilment_id, kind, actor, detail)
    VALUES (:order_id, :fulfilment_id, :kind, :actor, CAST(:detail AS jsonb))
    """
)


async def record_event(
    db: AsyncSession | AsyncConnection,
    order_id: uuid.UUID,
    kind: str,
    actor: str,
    *,
    fulfilment_id: uuid.UUID | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append ``kind`` (e.g. ``fulfilment.shipped``) with JSON-ready ``detail``."""
    await db.execute(
        _INSERT_EVENT,
        {
            "order_id": order_id,
            "fulfilment_id": fulfilment_id,
            "kind": kind,
            "actor": actor,
            "detail": json.dumps(detail or {}),
        },
    )
