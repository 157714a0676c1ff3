"""A queued message is written in its order's language, with the order's total."""

from __future__ import annotations

import uuid
from decimal import Decimal

from babel.numbers import format_currency
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.support.notifications import PICKUP_DATA, make_order, notifications, queue


async def _order_in(sm: async_sessionmaker[AsyncSession], language: str | None) -> uuid.UUID:
    order_id = await make_order(sm, email="nino@example.com")
    async with sm() as session, session.begin():
        await session.execute(
            text("UPDATE sales_order SET language = :language WHERE id = :id"),
            {"language": language, "id": order_id},
        )
    return order_id


async def test_a_georgian_order_gets_its_message_in_georgian(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    order_id = await _order_in(sessionmaker, "ka-GE")
    await queue(sessionmaker, order_id, "ready_for_pickup", PICKUP_DATA)

    [row] = await notifications(sessionmaker, order_id)
    assert row["subject"] == "თქვენი შეკვეთა 100777 მზადაა გასატანად მაღაზიიდან: Leeds Briggate"
    assert "თქვენი გატანის კოდი: 483920\n" in row["body"]
    # The order's total (make_order: 1999 GBP), written the Georgian way, and kept with
    # the data as the record of what was said.
    total = format_currency(Decimal("19.99"), "GBP", locale="ka")
    assert f"შეკვეთის ჯამი: {total}\n" in row["body"]
    assert (row["data"]["order_total"], row["data"]["currency"]) == (1999, "GBP")


async def test_an_order_in_a_language_we_do_not_speak_gets_english(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    for language in ("de", None):
        order_id = await _order_in(sessionmaker, language)
        await queue(sessionmaker, order_id, "ready_for_pickup", PICKUP_DATA)
        [row] = await notifications(sessionmaker, order_id)
        assert row["subject"] == "Your order 100777 is ready to collect from Leeds Briggate"
        assert "Order total: £19.99\n" in row["body"]
