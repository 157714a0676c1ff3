"""Who may read which order: the facts for ``domain.access`` in one statement, and a read
through a customer look-up written into the order's timeline.

A store token reads an order its stores work on (see ``customers.visibility``), or any
order of a customer it looked up by exact email or phone while that grant is live; the
latter is recorded once per token, order and grant as ``order.accessed_by_staff``.
Changing an order (cancel, edit) needs the former.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from oms.customers.services.visibility import (
    LIVE_GRANTS_SQL,
    WORKS_HERE_SQL,
    Grant,
    scope_params,
)
from oms.domain.access import (
    Action,
    OrderAccess,
    Principal,
    may_change_order,
    order_read_access,
    require,
)
from oms.domain.errors import NotFound
from oms.orders.services.events import EventKind


@dataclass(frozen=True, slots=True)
class Access:
    """How the caller may read an order, and the look-up grant when it is through one."""

    kind: OrderAccess
    grant: Grant | None = None


# Everything the access rule needs about one order for one token, in one statement.
_FACTS = text(
    "".join(
        (
            """
    SELECT ch.code AS channel, """,
            WORKS_HERE_SQL,
            """ AS works_here, g.id AS grant_id, g.via
      FROM sales_order o
      JOIN channel ch ON ch.id = o.channel_id
      LEFT JOIN LATERAL (""",
            LIVE_GRANTS_SQL,
            """o.customer_id ORDER BY g.expires_at DESC LIMIT 1) g ON true
     WHERE o.id = :id
    """,
        )
    )
)
_WORKS_HERE = text("".join(("SELECT ", WORKS_HERE_SQL, " FROM sales_order o WHERE o.id = :id")))
# Once per token, order and grant: reading the order again under the same grant adds
# nothing to its timeline. (Two first reads racing may both write one: harmless.)
_ACCESSED = text(
    """
    INSERT INTO order_event (order_id, kind, actor, detail)
    SELECT :id, CAST(:kind AS text), :actor, jsonb_build_object(
               'via', 'customer_lookup',
               'looked_up_by', CAST(:via AS text),
               'grant_id', CAST(:grant_id AS text),
               'token_id', CAST(:token AS bigint),
               'locations', (SELECT coalesce(jsonb_agg(code ORDER BY code), '[]')
                               FROM location WHERE id = ANY(:scope)))
     WHERE NOT EXISTS (
           SELECT 1 FROM order_event
            WHERE order_id = :id AND kind = CAST(:kind AS text)
              AND detail ->> 'grant_id' = CAST(:grant_id AS text))
    """
)


async def order_access(conn: AsyncConnection, principal: Principal, order_id: uuid.UUID) -> Access:
    """How the caller may read the order (``NONE`` for a missing one too)."""
    facts = (
        await conn.execute(
            _FACTS,
            {
                "id": order_id,
                "token": principal.token_id,
                **scope_params(principal.location_ids, principal.actor),
            },
        )
    ).first()
    if facts is None:
        return Access(OrderAccess.NONE)
    grant = Grant(facts.grant_id, facts.via) if facts.grant_id is not None else None
    kind = order_read_access(
        principal,
        channel=facts.channel,
        works_here=bool(facts.works_here),
        has_grant=grant is not None,
    )
    return Access(kind, grant if kind is OrderAccess.CUSTOMER_LOOKUP else None)


async def record_access(
    conn: AsyncConnection, principal: Principal, order_id: uuid.UUID, access: Access
) -> None:
    """Write a read through a customer look-up into the order's timeline (once per grant)."""
    if access.kind is not OrderAccess.CUSTOMER_LOOKUP or access.grant is None:
        return
    await conn.execute(
        _ACCESSED,
        {
            "id": order_id,
            "kind": EventKind.ORDER_ACCESSED_BY_STAFF.value,
            "actor": principal.actor,
            "via": access.grant.via,
            "grant_id": str(access.grant.id),
            "token": principal.token_id,
            "scope": sorted(principal.location_ids),
        },
    )


async def open_order(conn: AsyncConnection, principal: Principal, order_id: uuid.UUID) -> Access:
    """Check the caller may read the order (404 like a missing one if not) and record a
    read through a customer look-up."""
    require(principal, Action.READ_ORDERS)
    access = await order_access(conn, principal, order_id)
    if access.kind is OrderAccess.NONE:
        raise NotFound("order not found")
    await record_access(conn, principal, order_id, access)
    return access


async def may_see(
    conn: AsyncConnection, principal: Principal, order_id: uuid.UUID, channel: str
) -> bool:
    """Whether the caller may change the order (cancel, edit): integration tokens their
    channel's orders, store tokens the orders their stores work on. A customer look-up
    grant lets store staff read an order, not change it."""
    works_here = False
    if principal.is_scoped:
        works_here = bool(
            await conn.scalar(
                _WORKS_HERE,
                {"id": order_id, **scope_params(principal.location_ids, principal.actor)},
            )
        )
    return may_change_order(principal, channel=channel, works_here=works_here)
