"""The channels a signed-in store associate may take an order on, for the store they stand in.

A till or web-shop channel that allows staff orders and whose locations include the store
(a channel listing no locations takes every one). Channels naming the store come first
(they were set up for it), then tills before the web shop, then by code; the access rule
``may_place_order_on`` has the last word, so an admin sees every till and web channel.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from oms.domain.access import Principal, may_place_order_on

# At most this many to choose from: a store is fed by a handful of channels.
MAX_CHANNELS = 20

_FOR_STORE = text(
    """
    SELECT c.code, c.name, c.kind, c.currency, c.staff_orders,
           ARRAY(SELECT l.code FROM channel_location cl JOIN location l ON l.id = cl.location_id
                  WHERE cl.channel_id = c.id ORDER BY l.code) AS locations,
           EXISTS (SELECT 1 FROM channel_location cl
                    WHERE cl.channel_id = c.id AND cl.location_id = :location_id) AS names_store
      FROM channel c
     WHERE c.active AND c.kind IN ('pos', 'web')
       AND (c.staff_orders OR NOT :scoped)
       AND (NOT EXISTS (SELECT 1 FROM channel_location cl WHERE cl.channel_id = c.id)
            OR EXISTS (SELECT 1 FROM channel_location cl
                        WHERE cl.channel_id = c.id AND cl.location_id = :location_id))
     ORDER BY names_store DESC, c.kind = 'pos' DESC, c.code
     LIMIT :limit
    """
)


@dataclass(frozen=True, slots=True)
class StaffChannel:
    code: str
    name: str
    kind: str
    currency: str
    locations: tuple[str, ...]  # the codes of the locations it names; empty: every one


async def staff_order_channels(
    session: AsyncSession, principal: Principal, location_id: int
) -> list[StaffChannel]:
    """The channels ``principal`` may order on for the store ``location_id``, best first."""
    rows = await session.execute(
        _FOR_STORE,
        {"location_id": location_id, "scoped": principal.is_scoped, "limit": MAX_CHANNELS},
    )
    return [
        StaffChannel(
            code=row.code,
            name=row.name,
            kind=row.kind,
            currency=row.currency,
            locations=tuple(row.locations),
        )
        for row in rows
        if may_place_order_on(principal, channel=row.code, staff_orders=row.staff_orders)
    ]
