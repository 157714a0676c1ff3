"""Find customers by name, email or phone; read one profile with its orders.

Who sees whom is decided in ``domain.access``; this module gathers the facts. Store
staff find any customer by exact email or phone, which also opens that customer's
profile and orders to their token for a while (a look-up grant, see
``customers.visibility``); a name finds only their own stores' customers. A profile is
readable to them for their own stores' customers and for customers they looked up; any
other answers the same 404 as a missing one. Integration tokens never read customers.
"""

from __future__ import annotations

import re
import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from oms.customers.schemas import CustomerOrder, CustomerPage, CustomerProfile, CustomerSummary
from oms.customers.services.matching import name_key
from oms.customers.services.visibility import (
    LIVE_GRANTS_SQL,
    OWN_CUSTOMER_SQL,
    grant_access,
    scope_params,
)
from oms.domain.access import (
    Action,
    CustomerSearch,
    Principal,
    customer_search_scope,
    look_up_grants_access,
    may_read_customer,
    require,
)
from oms.domain.contact import email_key, phone_key
from oms.domain.cursors import decode_cursor, encode_cursor
from oms.domain.errors import InvalidInput, NotFound

_PHONE_LIKE = re.compile(r"^\+?[0-9 ()\-.]+$")
_MIN_PHONE_DIGITS = 5

# Exact keys find at most one row; a name prefix pages by (name_key, id). One statement
# per kind, so each keeps a plan on its own index.
# ``:own`` limits a search to the token's own stores' customers.
_SEARCH_SQL = "".join(
    (
        """
    SELECT c.id, c.name, c.name_key, c.email, c.phone, c.created_at FROM customer c
     WHERE {match}
       AND (CAST(:after_name AS text) IS NULL OR (c.name_key, c.id) > (:after_name, :after_id))
       AND (NOT CAST(:own AS boolean) OR """,
        OWN_CUSTOMER_SQL,  # no braces: safe under the str.format below
        """)
     ORDER BY c.name_key, c.id
     LIMIT :limit
""",
    )
)
_SEARCH = {
    "email": text(_SEARCH_SQL.format(match="c.email_key = :key")),
    "phone": text(_SEARCH_SQL.format(match="c.phone_key = :key")),
    "name": text(_SEARCH_SQL.format(match="c.name_key LIKE :key ESCAPE '\\'")),
}
# With the facts the access rule needs: a store token's own customer, or a live grant.
_PROFILE = text(
    "".join(
        (
            """
    SELECT id, name, email, phone, created_at, updated_at,
           (SELECT count(*) FROM sales_order o WHERE o.customer_id = c.id) AS order_count,
           """,
            OWN_CUSTOMER_SQL,
            """ AS own_stores_customer,
           EXISTS (""",
            LIVE_GRANTS_SQL,
            """c.id) AS has_grant
      FROM customer c
     WHERE c.id = :id
    """,
        )
    )
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
    session: AsyncSession,
    principal: Principal,
    *,
    q: str,
    limit: int,
    cursor: str | None,
    grant_minutes: int,
) -> CustomerPage:
    """A page of matches; a store token finding someone by exact email or phone is granted
    access to them for ``grant_minutes``."""
    require(principal, Action.READ_CUSTOMERS)
    by, key = classify_query(q)
    scope = customer_search_scope(principal, by)
    after_name, after_id = _decode_cursor(cursor) if cursor is not None else (None, None)
    rows = (
        await session.execute(
            _SEARCH[by],
            {
                "key": _like_prefix(key) if by == "name" else key,
                "after_name": after_name,
                "after_id": after_id,
                "limit": limit + 1,
                "own": scope is CustomerSearch.OWN_STORES,
                **scope_params(principal.location_ids, principal.actor),
            },
        )
    ).all()
    if look_up_grants_access(principal, by):
        conn = await session.connection()
        for row in rows[:limit]:  # an exact key names at most one customer
            await grant_access(conn, principal.token_id, row.id, by, grant_minutes)
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
    """The profile and latest ``orders_limit`` orders if the token may read it; else NotFound."""
    require(principal, Action.READ_CUSTOMERS)
    row = (
        await session.execute(
            _PROFILE,
            {
                "id": customer_id,
                "token": principal.token_id,
                **scope_params(principal.location_ids, principal.actor),
            },
        )
    ).one_or_none()
    if row is None or not may_read_customer(
        principal, own_stores_customer=row.own_stores_customer, has_grant=row.has_grant
    ):
        # Someone else's customer answers like a missing one: no probing for who exists.
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
