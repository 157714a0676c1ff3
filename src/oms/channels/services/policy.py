"""The channel policy order placement and routing read: one statement, no ORM objects."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncConnection

from oms.domain.routing.model import Policy


@dataclass(frozen=True, slots=True)
class ChannelPolicy:
    """What order placement and routing need to know about a channel."""

    id: int
    code: str
    kind: str
    currency: str
    backorders: bool
    transfer_to_store: bool
    max_split: int
    routing_rules: tuple[Mapping[str, Any], ...]
    pickup_hold_days: int
    eligible_location_ids: frozenset[int] | None  # None: every location
    active: bool
    staff_orders: bool  # store staff may place orders on the channel

    def routing(self) -> Policy:
        """The part of the policy the pure routing engine reads."""
        return Policy(
            rules=self.routing_rules,
            max_split=self.max_split,
            transfer_to_store=self.transfer_to_store,
            eligible_location_ids=self.eligible_location_ids,
        )


# On the order hot path.
_POLICY = text(
    """
    SELECT c.id, c.code, c.kind, c.currency, c.backorders, c.transfer_to_store, c.max_split,
           c.routing_rules, c.pickup_hold_days, c.active, c.staff_orders,
           (SELECT array_agg(cl.location_id) FROM channel_location cl
             WHERE cl.channel_id = c.id) AS location_ids
      FROM channel c
     WHERE c.code = :code
    """
).columns(routing_rules=JSONB)


async def channel_policy(conn: AsyncConnection, code: str) -> ChannelPolicy | None:
    """The channel's policy, active or not (the caller decides), or None if there is none."""
    row = (await conn.execute(_POLICY, {"code": code})).one_or_none()
    if row is None:
        return None
    return ChannelPolicy(
        id=row.id,
        code=row.code,
        kind=row.kind,
        currency=row.currency,
        backorders=row.backorders,
        transfer_to_store=row.transfer_to_store,
        max_split=row.max_split,
        routing_rules=tuple(row.routing_rules),
        pickup_hold_days=row.pickup_hold_days,
        eligible_location_ids=frozenset(row.location_ids) if row.location_ids else None,
        active=row.active,
        staff_orders=row.staff_orders,
    )
