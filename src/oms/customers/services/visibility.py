"""The facts the access rules need about a store token, its orders and its customers.

One notion of "a store's own order", written once and used by every reader: the order has
a fulfilment at one of the token's locations (in any state), or stock is sent there for
pickup, or the token placed it. A store's own customers are those with such an order.

A look-up grant records that a store token found a customer by exact email or phone: for
``OMS_CUSTOMER_ACCESS_MINUTES`` it may read that customer's profile and every order of
theirs. Grants are kept after they expire, as the record of who looked whom up.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

# SQL fragments, composed into statements with "".join: constants only, never request
# data. Parameters: ``:scope`` (the token's location ids, ``bigint[]``), ``:actor``,
# ``:token`` (the token's id).

# True when the order aliased ``o`` is the token's stores' own work.
WORKS_HERE_SQL = """(o.placed_by = :actor OR EXISTS (
        SELECT 1 FROM fulfilment f WHERE f.order_id = o.id
           AND (f.location_id = ANY(:scope) OR f.destination_location_id = ANY(:scope))))"""

# True when the customer aliased ``c`` has an order the token's stores work on.
OWN_CUSTOMER_SQL = "".join(
    ("(EXISTS (SELECT 1 FROM sales_order o WHERE o.customer_id = c.id AND ", WORKS_HERE_SQL, "))")
)

# The token's live grants, as ``customer_access_grant g``: add the customer to match.
LIVE_GRANTS_SQL = """
    SELECT g.id, g.via FROM customer_access_grant g
     WHERE g.token_id = :token AND g.expires_at > now() AND g.customer_id = """


@dataclass(frozen=True, slots=True)
class Grant:
    id: uuid.UUID
    via: str  # email or phone


_LIVE_GRANT = text("".join((LIVE_GRANTS_SQL, ":customer ORDER BY g.expires_at DESC LIMIT 1")))

# Looking the same customer up again while the grant is live extends it (still one grant,
# so an order's timeline says once that this token opened it); otherwise a new grant.
_GRANT = text(
    """
    WITH extended AS (
        UPDATE customer_access_grant
           SET expires_at = now() + make_interval(mins => :minutes)
         WHERE token_id = :token AND customer_id = :customer AND expires_at > now()
        RETURNING id
    )
    INSERT INTO customer_access_grant (id, token_id, customer_id, via, expires_at)
    SELECT :id, :token, :customer, :via, now() + make_interval(mins => :minutes)
     WHERE NOT EXISTS (SELECT 1 FROM extended)
    """
)


def scope_params(location_ids: frozenset[int], actor: str) -> dict[str, object]:
    """``:scope`` and ``:actor`` for ``WORKS_HERE_SQL``."""
    return {"scope": sorted(location_ids), "actor": actor}


async def live_grant(conn: AsyncConnection, token_id: int, customer_id: uuid.UUID) -> Grant | None:
    """The token's unexpired grant to read this customer, the latest-ending one; None if none."""
    row = (await conn.execute(_LIVE_GRANT, {"token": token_id, "customer": customer_id})).first()
    return Grant(row.id, row.via) if row is not None else None


async def grant_access(
    conn: AsyncConnection, token_id: int, customer_id: uuid.UUID, via: str, minutes: int
) -> None:
    """Let the token read the customer for ``minutes``: extends a live grant, else adds one."""
    await conn.execute(
        _GRANT,
        {
            "id": uuid.uuid4(),
            "token": token_id,
            "customer": customer_id,
            "via": via,
            "minutes": minutes,
        },
    )
