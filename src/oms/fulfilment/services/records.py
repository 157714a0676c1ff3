"""Reading fulfilments: the locked row a change works on, visibility, and the response shape."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from oms.db.rows import group_rows
from oms.domain.access import Action, Principal, require_at, require_visible, sees_channel
from oms.domain.errors import NotFound
from oms.domain.fulfilment_flow import WORK_STATES
from oms.orders.schemas import FulfilmentOut
from oms.orders.services.fulfilment_views import fulfilment_view

_COLUMNS = """
    f.id, f.order_id, f.location_id, loc.code AS location_code, loc.name AS location_name,
    f.method, f.delivery_no, f.state, f.destination_location_id, dest.code AS destination_code,
    f.awaits_fulfilment_id, f.transfer_id, f.pickup_code, f.carrier, f.tracking_number,
    f.carrier_tracking_url, f.reason, f.ready_at, f.closed_at, f.created_at, f.updated_at,
    o.number AS order_number, o.customer_name, c.code AS channel_code
"""
_FROM = """
      FROM fulfilment f
      JOIN location loc ON loc.id = f.location_id
      LEFT JOIN location dest ON dest.id = f.destination_location_id
      JOIN sales_order o ON o.id = f.order_id
      JOIN channel c ON c.id = o.channel_id
"""
# Changes to an order and its fulfilments are serialised by the order's row lock, always
# taken first (order, then fulfilment, then levels), the same order as order cancellation
# and re-routing use: two associates pressing "ship" at once, or a sweeper and a hand-over,
# see each other's result instead of racing, and never deadlock on each other.
_ORDER_OF = text("SELECT order_id FROM fulfilment WHERE id = :id")
_LOCK_ORDER = text("SELECT id FROM sales_order WHERE id = :id FOR UPDATE")
_LOCK = text(f"SELECT {_COLUMNS} {_FROM} WHERE f.id = :id FOR UPDATE OF f")
_READ = text(f"SELECT {_COLUMNS} {_FROM} WHERE f.id = :id")
_LINES = text(
    """
    SELECT fl.fulfilment_id, fl.line_no, fl.sku_id, s.code AS sku, fl.quantity, fl.quantity_short
      FROM fulfilment_line fl JOIN sku s ON s.id = fl.sku_id
     WHERE fl.fulfilment_id = ANY(:ids)
     ORDER BY fl.fulfilment_id, fl.line_no
    """
)
# The transfers feeding a pickup: the one it names, and any others planned with it (a plan
# may send a store stock from several places; they share order, delivery, destination and
# the planning statement's timestamp).
_FEEDERS = text(
    """
    SELECT t.id, t.state, tr.status AS transfer_status
      FROM fulfilment t LEFT JOIN transfer tr ON tr.id = t.transfer_id
     WHERE t.method = 'transfer'
       AND (t.id = :awaits
            OR (t.order_id = :order_id AND t.delivery_no = :delivery_no
                AND t.destination_location_id = :location_id AND t.created_at = :created_at))
    """
)
# The pickup a transfer fulfilment feeds (the reverse of the above).
_FED_PICKUP = text(
    """
    SELECT p.id FROM fulfilment p JOIN fulfilment t ON t.id = :id
     WHERE p.method = 'pickup'
       AND (p.awaits_fulfilment_id = t.id
            OR (p.order_id = t.order_id AND p.delivery_no = t.delivery_no
                AND p.location_id = t.destination_location_id AND p.created_at = t.created_at))
     ORDER BY p.awaits_fulfilment_id IS NOT DISTINCT FROM t.id DESC, p.id
     LIMIT 1
    """
)
_SKU_CODES = text("SELECT id, code FROM sku WHERE id = ANY(:ids)")
# A location's queue, oldest first; ``method`` and the page key (``after_at``, ``after_id``)
# are optional (NULL: not filtered). Checked with EXPLAIN: location and states are the
# index condition (ix_fulfilment_location_id_state_created_at) in custom and generic plans
# alike. With a page key, PostgreSQL's custom plans fold the NULL tests away and also bound
# created_at in the index; a generic plan would filter created_at instead.
_QUEUE = text(
    f"""
    SELECT {_COLUMNS} {_FROM}
     WHERE f.location_id = :location_id AND f.state = ANY(:states)
       AND (CAST(:method AS text) IS NULL OR f.method = :method)
       AND (CAST(:after_at AS timestamptz) IS NULL
            OR (f.created_at, f.id) > (:after_at, :after_id))
     ORDER BY f.created_at, f.id
     LIMIT :limit
    """
)


@dataclass(frozen=True, slots=True)
class FulfilmentRow:
    id: uuid.UUID
    order_id: uuid.UUID
    location_id: int
    location_code: str
    location_name: str
    method: str
    delivery_no: int
    state: str
    destination_location_id: int | None
    destination_code: str | None
    awaits_fulfilment_id: uuid.UUID | None
    transfer_id: uuid.UUID | None
    pickup_code: str | None
    carrier: str | None
    tracking_number: str | None
    carrier_tracking_url: str | None
    reason: str | None
    ready_at: datetime | None
    closed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    order_number: int
    customer_name: str
    channel_code: str


@dataclass(frozen=True, slots=True)
class LineRow:
    line_no: int
    sku_id: int
    sku: str
    quantity: int
    quantity_short: int

    @property
    def carried(self) -> int:
        """Units this fulfilment still delivers for the line."""
        return self.quantity - self.quantity_short


async def lock_for_work(
    session: AsyncSession, principal: Principal, fulfilment_id: uuid.UUID
) -> FulfilmentRow:
    """The fulfilment, locked, for a store action at its location.

    Another store's fulfilment is a 404 (as if it did not exist); a role that may not
    fulfil at all gets 403.
    """
    found = await lock_by_id(session, fulfilment_id)
    if found is None:
        raise NotFound("fulfilment not found")
    require_visible(principal, found.location_id, "fulfilment")
    require_at(principal, Action.FULFIL, found.location_id, found.location_code)
    return found


async def lock_by_id(session: AsyncSession, fulfilment_id: uuid.UUID) -> FulfilmentRow | None:
    """The fulfilment (and its order), locked, for system work: no access check."""
    order_id = await session.scalar(_ORDER_OF, {"id": fulfilment_id})
    if order_id is None:
        return None
    await session.execute(_LOCK_ORDER, {"id": order_id})
    row = (await session.execute(_LOCK, {"id": fulfilment_id})).mappings().first()
    return None if row is None else FulfilmentRow(**row)


async def read_for_work(
    session: AsyncSession, principal: Principal, fulfilment_id: uuid.UUID
) -> FulfilmentRow:
    """Like ``lock_for_work`` without the lock, for the store's own reads (pick lists)."""
    row = (await session.execute(_READ, {"id": fulfilment_id})).mappings().first()
    if row is None:
        raise NotFound("fulfilment not found")
    found = FulfilmentRow(**row)
    require_visible(principal, found.location_id, "fulfilment")
    require_at(principal, Action.FULFIL, found.location_id, found.location_code)
    return found


async def queue_rows(
    session: AsyncSession,
    location_id: int,
    states: Sequence[str],
    method: str | None,
    limit: int,
    after: tuple[datetime, uuid.UUID] | None = None,
) -> list[FulfilmentRow]:
    """A location's fulfilments in the given states, oldest first, from after the
    (created_at, id) key ``after`` when given."""
    after_at, after_id = after if after is not None else (None, None)
    params = {
        "location_id": location_id,
        "states": list(states),
        "method": method,
        "after_at": after_at,
        "after_id": after_id,
        "limit": limit,
    }
    rows = await session.execute(_QUEUE, params)
    return [FulfilmentRow(**r) for r in rows.mappings()]


async def read_visible(
    session: AsyncSession, principal: Principal, fulfilment_id: uuid.UUID
) -> FulfilmentRow:
    """For reading: stores see their own fulfilments and transfers coming to them;
    a channel's client sees its own channel's; everything else is a 404."""
    row = (await session.execute(_READ, {"id": fulfilment_id})).mappings().first()
    if row is None or not principal.may(Action.READ_ORDERS):
        raise NotFound("fulfilment not found")
    found = FulfilmentRow(**row)
    sees = principal.sees_location(found.location_id) or (
        found.destination_location_id is not None
        and principal.sees_location(found.destination_location_id)
    )
    if not sees:
        raise NotFound("fulfilment not found")
    if not sees_channel(principal, found.channel_code):
        raise NotFound("fulfilment not found")
    return found


async def lines_of(
    session: AsyncSession, fulfilment_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[LineRow]]:
    """Each fulfilment's lines in line order; a fulfilment without lines is absent."""
    if not fulfilment_ids:
        return {}
    rows = await session.execute(_LINES, {"ids": list(fulfilment_ids)})
    by_fulfilment = group_rows(rows, lambda r: r.fulfilment_id)
    return {
        fulfilment_id: [
            LineRow(r.line_no, r.sku_id, r.sku, r.quantity, r.quantity_short) for r in group
        ]
        for fulfilment_id, group in by_fulfilment.items()
    }


async def awaiting_transfer(session: AsyncSession, row: FulfilmentRow) -> bool:
    """A pickup waits while any transfer feeding it has not been received at the store.

    A feeder that was given up (rejected, cancelled) is not waited for: its units were
    marked short on the pickup and routed again.
    """
    if row.method != "pickup" or row.awaits_fulfilment_id is None:
        return False
    feeders = await session.execute(
        _FEEDERS,
        {
            "awaits": row.awaits_fulfilment_id,
            "order_id": row.order_id,
            "delivery_no": row.delivery_no,
            "location_id": row.location_id,
            "created_at": row.created_at,
        },
    )
    return any(
        f.state in WORK_STATES or (f.state == "shipped" and f.transfer_status != "received")
        for f in feeders
    )


async def fed_pickup(session: AsyncSession, transfer_fulfilment_id: uuid.UUID) -> uuid.UUID | None:
    """The pickup fulfilment a transfer fulfilment brings stock to."""
    found: uuid.UUID | None = await session.scalar(_FED_PICKUP, {"id": transfer_fulfilment_id})
    return found


async def sku_codes(session: AsyncSession, sku_ids: Sequence[int]) -> dict[int, str]:
    """The code of each id that names a SKU; an unknown id is absent."""
    if not sku_ids:
        return {}
    rows = await session.execute(_SKU_CODES, {"ids": list(sku_ids)})
    return {r.id: r.code for r in rows}


def units_detail(lines: Sequence[tuple[int, int]], codes: dict[int, str]) -> list[dict[str, Any]]:
    """(sku id, units) pairs as the order timeline shows them."""
    return [{"sku": codes.get(sku_id, str(sku_id)), "quantity": q} for sku_id, q in lines]


async def fulfilment_out(session: AsyncSession, fulfilment_id: uuid.UUID) -> FulfilmentOut:
    """The fulfilment as it stands now in this transaction (after a change)."""
    row = (await session.execute(_READ, {"id": fulfilment_id})).mappings().one()
    found = FulfilmentRow(**row)
    lines = await lines_of(session, [fulfilment_id])
    return fulfilment_view(found, lines.get(fulfilment_id, []))
