"""Links in customer messages: to the order's tracking page when the service knows the
address customers reach it at, and none otherwise."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from oms.config import Settings
from oms.notifications.services.messages import queue_notification
from tests.support.notifications import PICKUP_DATA, make_order, notifications, queue


async def test_with_a_public_url_messages_link_to_the_orders_tracking_page(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    order_id = await make_order(sessionmaker, email="ann@example.com")
    settings = Settings(public_url="https://orders.example.com/")
    without_link = {k: v for k, v in PICKUP_DATA.items() if k != "tracking_url"}

    async with sessionmaker() as session, session.begin():
        await queue_notification(
            session,
            order_id=order_id,
            kind="ready_for_pickup",
            data=without_link,
            public_url=settings.public_url,
        )
    async with sessionmaker() as session:
        token = await session.scalar(
            text("SELECT tracking_token FROM sales_order WHERE id = :id"), {"id": order_id}
        )

    [row] = await notifications(sessionmaker, order_id)
    assert f"https://orders.example.com/track/{token}" in row["body"]
    assert row["data"]["tracking_url"] == f"https://orders.example.com/track/{token}"


async def test_without_a_public_url_messages_carry_no_link(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    order_id = await make_order(sessionmaker, email="ann@example.com")
    without_link = {k: v for k, v in PICKUP_DATA.items() if k != "tracking_url"}

    await queue(sessionmaker, order_id, "ready_for_pickup", without_link)

    [row] = await notifications(sessionmaker, order_id)
    assert "/track/" not in row["body"]
