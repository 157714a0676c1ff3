"""Finding the pickup a customer at the counter has come for, among those waiting on this
store's shelf: by the pickup code they show, by order number, or by their email or phone.

Only pickups ready at the store the associate stands in are searched, after the same
rule the store's queue asks (``Action.FULFIL`` at the location). A customer is found
through the customers service, so an exact email or phone opens that customer to the
session for a while, as the API's search does, and a name finds only this store's
customers. Finding a pickup by its code hands nothing over: the hand-over checks the code
again and counts wrong ones.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from oms.customers.services.profiles import search_customers
from oms.domain.access import Action, Principal, require_at
from oms.domain.errors import InvalidInput
from oms.domain.fulfilment_flow import (
    PICKUP_CODE_ALPHABET,
    PICKUP_CODE_LENGTH,
    normalise_pickup_code,
    pickup_code_matches,
)
from oms.fulfilment.services.records import FulfilmentRow, queue_rows
from oms.orders.services.queries import list_orders

SHELF_LIMIT = 1000  # pickups on one store's shelf: far more than any store holds
CUSTOMER_LIMIT = 10
ORDER_LIMIT = 100
MAX_ORDER_NUMBER_DIGITS = 9


@dataclass(frozen=True, slots=True)
class Found:
    """The pickups that match, and how they were found ("code", "order", "customer")."""

    rows: list[FulfilmentRow]
    by: str
    code: str | None = None  # the pickup code, when that is what found them


async def find_ready_pickups(
    session: AsyncSession,
    principal: Principal,
    *,
    store_id: int,
    store_code: str,
    query: str,
    grant_minutes: int,
) -> Found:
    """Pickups ready at the store that ``query`` names; InvalidInput for an empty query."""
    text = query.strip()
    if not text:
        raise InvalidInput("type or scan a pickup code, an order number, an email or a phone")
    require_at(principal, Action.FULFIL, store_id, store_code)
    shelf = await queue_rows(session, store_id, ["ready_for_pickup"], "pickup", SHELF_LIMIT)
    number = text.removeprefix("#").strip()
    if number.isdigit() and len(number) <= MAX_ORDER_NUMBER_DIGITS:
        by_number = [row for row in shelf if row.order_number == int(number)]
        if by_number:
            return Found(by_number, "order")
    code = normalise_pickup_code(text)
    if len(code) == PICKUP_CODE_LENGTH and set(code) <= set(PICKUP_CODE_ALPHABET):
        by_code = [row for row in shelf if pickup_code_matches(code, row.pickup_code)]
        if by_code:
            return Found(by_code, "code", code)
    orders = await _customers_orders(session, principal, store_code, text, grant_minutes)
    return Found([row for row in shelf if row.order_id in orders], "customer")


async def _customers_orders(
    session: AsyncSession, principal: Principal, store_code: str, text: str, grant_minutes: int
) -> set[uuid.UUID]:
    """The ids of this store's orders of the customers ``text`` finds."""
    customers = await search_customers(
        session,
        principal,
        q=text,
        limit=CUSTOMER_LIMIT,
        cursor=None,
        grant_minutes=grant_minutes,
    )
    conn = await session.connection()
    found: set[uuid.UUID] = set()
    for customer in customers.items:
        orders = await list_orders(
            conn,
            principal,
            channel=None,
            status=None,
            customer=customer.id,
            location=store_code,
            cursor=None,
            limit=ORDER_LIMIT,
        )
        found.update(order.id for order in orders.items)
    return found
