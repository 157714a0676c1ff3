"""Today at a store, counted for the app's home: pickups waiting (and those past their
collect-by), fulfilments still to pick with the oldest first, and transfers on their way in.

One statement for the counts: the home page is opened all day long. The queue screens list
the same rows; these are only their sizes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from oms.domain.access import Action, Principal, require, require_at
from oms.domain.fulfilment_flow import WORK_STATES, State

# Still to pick: not started, or started and not finished.
_TO_PICK: frozenset[State] = frozenset({"pending", "picking"})

# To pick: pending or picking, except a pickup whose transfer has not arrived yet (the
# queue shows those apart, as awaiting their transfer). Collect-by: ready for the
# channel's pickup_hold_days, after which the sweep sends the parcel back.
_WAITING = """
    f.method = 'pickup' AND f.awaits_fulfilment_id IS NOT NULL AND EXISTS (
        SELECT 1 FROM fulfilment t LEFT JOIN transfer tr ON tr.id = t.transfer_id
         WHERE t.id = f.awaits_fulfilment_id
           AND (t.state = ANY(CAST(:work_states AS text[]))
                OR (t.state = 'shipped' AND tr.status IS DISTINCT FROM 'received')))
"""
# Both statements are built from the constant fragment above, never from input.
_COUNTS = text(
    f"""
    SELECT
      count(*) FILTER (WHERE f.state = 'ready_for_pickup') AS pickups_waiting,
      count(*) FILTER (WHERE f.state = 'ready_for_pickup'
                         AND f.ready_at <= now() - make_interval(days => c.pickup_hold_days))
        AS pickups_overdue,
      count(*) FILTER (WHERE f.state = ANY(CAST(:to_pick AS text[])) AND NOT ({_WAITING}))
        AS to_pick,
      (SELECT count(*) FROM transfer tr
        WHERE tr.to_location_id = :location_id AND tr.status = 'in_transit') AS transfers_arriving
      FROM fulfilment f
      JOIN sales_order o ON o.id = f.order_id
      JOIN channel c ON c.id = o.channel_id
     WHERE f.location_id = :location_id
       AND f.state = ANY(CAST(:counted AS text[]))
    """  # noqa: S608
)
_OLDEST_TO_PICK = text(
    f"""
    SELECT f.id, o.number, o.customer_name, f.method, f.state, f.created_at
      FROM fulfilment f JOIN sales_order o ON o.id = f.order_id
     WHERE f.location_id = :location_id AND f.state = ANY(CAST(:to_pick AS text[]))
       AND NOT ({_WAITING})
     ORDER BY f.created_at, f.id
     LIMIT :limit
    """  # noqa: S608
)


@dataclass(frozen=True, slots=True)
class ToPick:
    fulfilment_id: uuid.UUID
    order_number: int
    customer_name: str
    method: str
    state: str
    age_seconds: int


@dataclass(frozen=True, slots=True)
class StoreDay:
    pickups_waiting: int
    pickups_overdue: int
    to_pick: int
    oldest_to_pick: list[ToPick]
    transfers_arriving: int


async def store_day(
    session: AsyncSession,
    principal: Principal,
    location_id: int,
    location_code: str,
    *,
    oldest: int = 5,
) -> StoreDay:
    """The store's counts for today, with the ``oldest`` fulfilments still to pick; for
    callers who fulfil there and read its detail (Forbidden otherwise)."""
    require_at(principal, Action.FULFIL, location_id, location_code)
    require(principal, Action.READ_LOCATION_DETAIL)
    states = {
        "work_states": sorted(WORK_STATES),
        "to_pick": sorted(_TO_PICK),
        "counted": sorted(_TO_PICK | {"ready_for_pickup"}),
    }
    counts = (await session.execute(_COUNTS, {"location_id": location_id, **states})).one()
    rows = await session.execute(
        _OLDEST_TO_PICK, {"location_id": location_id, "limit": oldest, **states}
    )
    now = datetime.now(UTC)
    return StoreDay(
        pickups_waiting=counts.pickups_waiting,
        pickups_overdue=counts.pickups_overdue,
        to_pick=counts.to_pick,
        oldest_to_pick=[
            ToPick(
                fulfilment_id=row.id,
                order_number=row.number,
                customer_name=row.customer_name,
                method=row.method,
                state=row.state,
                age_seconds=max(0, int((now - row.created_at).total_seconds())),
            )
            for row in rows
        ],
        transfers_arriving=counts.transfers_arriving,
    )
