"""Find customers by name, email or phone; read one profile with its orders.

Store staff (store managers, associates) read every profile, not only those with orders
at their stores: the person at the counter asking about an online order is the reason
the profile exists. Order details stay behind the order endpoints' own location checks;
the profile lists only number, channel, status and total. Integration tokens act for one
channel and never read customers.
"""

from __future__ import annotations

import re
import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from oms.customers.matching import name_key
from oms.customers.schemas import CustomerOrder, CustomerPage, CustomerProfile, CustomerSummary
from oms.domain.access import Action, Principal, require
from oms.domain.contact import email_key, phone_key
from oms.domain.cursors import decode_cursor, encode_cursor
from oms.domain.errors import InvalidInput, NotFound

_PHONE_LIKE = re.compile(r"^\+?[0-9 ()\-.]+$")
_MIN_PHONE_DIGITS = 5

# Exact keys find at most one row; a name prefix pages by (name_key, id). One statement
# per kind, so each keeps a plan on its own index.
_SEARCH_SQL = """
    SELECT id, name, name_key, email, phone, created_at FROM customer
     WHERE {match}
       AND (CAST(:after_name AS text) IS NULL OR (name_key, id) > (:after_name, :after_id))
     ORDER BY name_key, id
     LIMIT :limit
"""
_SEARCH = {
    "email": text(_SEARCH_SQL.format(match="email_key = :key")),
    "phone": text(_SEARCH_SQL.format(match="phone_key = :key")),
    "name": text(_SEARCH_SQL.format(match="name_key LIKE :key ESCAPE '\\'")),
}
_PROFILE = text(
    """
    SELECT id, name, email, phone, created_at, updated_at,
           (SELECT count(*) FROM sales_order o WHERE o.customer_id = c.id) AS order_count
      FROM customer c
     WHERE c.id = :id
    """
)
_ORDERS = text(
    """
    SELECT o.id, o.number, ch.code AS channel, o.status, o.total_amount, o.currency,
           o.created_at
      FROM sales_order o JOIN channel ch ON ch.id = o.channel_id
     WHERE o.customer_id = :id
     ORDER BY o.created_at DESC, o.number DESC
     LIMIT :limit
    """
)


def classify_query(q: str) -> tuple[str, str]:
    """``("email" | "phone" | "name", key)``: what a search string is, normalised like the
    keys customers are stored under."""
    if "@" in q:
        key = email_key(q)
        if key is not None:
            return "email", key
    stripped = q.strip()
    if _PHONE_LIKE.match(stripped) and sum(ch.isdigit() for ch in stripped) >= _MIN_PHONE_DIGITS:
        key = phone_key(stripped)
        if key is not None:
            return "phone", key
    key = name_key(q)
    if not key:
        raise InvalidInput("q: give a name, an email or a phone number")
    return "name", key


async def search_customers(
    session: AsyncSession, principal: Principal, *, q: str, limit: int, cursor: str | None
) -> CustomerPage:
    require(principal, Action.READ_CUSTOMERS)
    by, key = classify_query(q)
    after_name, after_id = _decode_cursor(cursor) if cursor is not None else (None, None)
    rows = (
        await session.execute(
            _SEARCH[by],
            {
                "key": _like_prefix(key) if by == "name" else key,
                "after_name": after_name,
                "after_id": after_id,
                "limit": limit + 1,
            },
        )
    ).all()
    items = [
        CustomerSummary(id=r.id, name=r.name, email=r.email, phone=r.phone, created_at=r.created_at)
        for r in rows[:limit]
    ]
    more = len(rows) > limit
    last = rows[limit - 1] if more else None
    return CustomerPage(
        items=items,
        next_cursor=encode_cursor(last.name_key, str(last.id)) if last is not None else None,
    )


async def get_customer(
    session: AsyncSession, principal: Principal, customer_id: uuid.UUID, *, orders_limit: int
) -> CustomerProfile:
    require(principal, Action.READ_CUSTOMERS)
    row = (await session.execute(_PROFILE, {"id": customer_id})).one_or_none()
    if row is None:
        raise NotFound("customer not found", customer_id=str(customer_id))
    orders = (await session.execute(_ORDERS, {"id": customer_id, "limit": orders_limit})).all()
    return CustomerProfile(
        id=row.id,
        name=row.name,
        email=row.email,
        phone=row.phone,
        created_at=row.created_at,
        updated_at=row.updated_at,
        order_count=row.order_count,
        orders=[
            CustomerOrder(
                id=o.id,
                number=o.number,
                channel=o.channel,
                status=o.status,
                total=o.total_amount,
                currency=o.currency,
                created_at=o.created_at,
            )
            for o in orders
        ],
    )


def _like_prefix(key: str) -> str:
    escaped = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


def _decode_cursor(cursor: str) -> tuple[str, uuid.UUID]:
    name, customer_id = decode_cursor(cursor, str, str)
    try:
        return name, uuid.UUID(customer_id)
    except ValueError:
        raise InvalidInput("cursor is not one this API returned", cursor=cursor) from None
