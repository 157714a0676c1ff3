"""Notification test builders: an order row to write messages for, queueing one, reading
them back, and the data a ready-for-pickup message needs."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from oms.customers.services.matching import match_or_create_customer
from oms.notifications.services.messages import queue_notification
from tests.support.world import unique

PICKUP_DATA: dict[str, Any] = {
    "order_number": 100777,
    "customer_name": "Ann Example",
    "store_name": "Leeds Briggate",
    "store_address": {
        "line1": "1 Briggate",
        "city": "Leeds",
        "postcode": "LS1 6HD",
        "country": "GB",
    },
    "opening_hours": {"mon": [["09:00", "17:30"]], "sat": [["10:00", "16:00"]]},
    "pickup_code": "483920",
    "tracking_url": "https://shop.example/track/abc",
}


async def make_order(
    sm: async_sessionmaker[AsyncSession], *, email: str | None, phone: str | None = None
) -> uuid.UUID:
    """An order row written directly: these tests are about what happens after placement."""
    order_id = uuid.uuid4()
    async with sm() as session, session.begin():
        conn = await session.connection()
        channel_id = await conn.scalar(
            text(
                "INSERT INTO channel (code, name, kind, currency)"
                " VALUES (:code, 'Web', 'web', 'GBP') RETURNING id"
            ),
            {"code": unique("CH")},
        )
        customer_id = await match_or_create_customer(
            conn, name="Ann Example", email=email, phone=phone or "07700 900000"
        )
        await conn.execute(
            text(
                """
                INSERT INTO sales_order (id, channel_id, external_id, customer_id, customer_name,
                       email, phone, currency, total_amount, status, deliveries, tracking_token,
                       placed_by)
                VALUES (:id, :channel_id, 'E-1', :customer_id, 'Ann Example', :email, :phone,
                        'GBP', 1999, 'open', '[]', :token, 'test')
                """
            ),
            {
                "id": order_id,
                "channel_id": channel_id,
                "customer_id": customer_id,
                "email": email,
                "phone": phone,
                "token": uuid.uuid4().hex,
            },
        )
    return order_id


async def queue(
    sm: async_sessionmaker[AsyncSession], order_id: uuid.UUID, kind: str, data: dict[str, Any]
) -> None:
    async with sm() as session, session.begin():
        await queue_notification(session, order_id=order_id, kind=kind, data=data, public_url=None)


async def notifications(
    sm: async_sessionmaker[AsyncSession], order_id: uuid.UUID
) -> list[dict[str, Any]]:
    async with sm() as session:
        rows = await session.execute(
            text("SELECT * FROM notification WHERE order_id = :id ORDER BY id"), {"id": order_id}
        )
        return [dict(row) for row in rows.mappings()]
