"""Moving a fulfilment through its states: the one place that writes ``fulfilment.state``.

Every change checks the pure state machine first (an illegal move raises ``InvalidState``
before anything is written), appends ``fulfilment.<state>`` to the order's timeline and
refreshes the order's status.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from oms.domain.access import Principal
from oms.domain.fulfilment_flow import FINAL_STATES, check_transition
from oms.fulfilment.services.records import (
    FulfilmentRow,
    awaiting_transfer,
    fulfilment_out,
    lock_for_work,
    sku_codes,
    units_detail,
)
from oms.inventory.ledger.writers import Source
from oms.orders.schemas import FulfilmentOut
from oms.orders.services.events import entered, record_event
from oms.orders.services.reservation import release_all
from oms.orders.services.status import refresh_status

# Guarded by the state read under the row lock, so it always matches; the guard only makes
# a forgotten lock fail loudly instead of silently overwriting another change.
_SET_STATE = text(
    """
    UPDATE fulfilment
       SET state = CAST(:to AS text), updated_at = now(),
           carrier = coalesce(:carrier, carrier),
           tracking_number = coalesce(:tracking_number, tracking_number),
           carrier_tracking_url = coalesce(:carrier_tracking_url, carrier_tracking_url),
           reason = coalesce(:reason, reason),
           pickup_code = coalesce(:pickup_code, pickup_code),
           transfer_id = coalesce(:transfer_id, transfer_id),
           ready_at = CASE WHEN CAST(:to AS text) = 'ready_for_pickup' THEN now() ELSE ready_at END,
           closed_at = CASE WHEN :closes THEN now() ELSE closed_at END
     WHERE id = :id AND state = CAST(:from AS text)
    RETURNING id
    """
)
# The units a cancelled fulfilment still carried are cancelled on their order lines.
_CANCEL_UNITS = text(
    """
    UPDATE order_line ol
       SET quantity_cancelled = ol.quantity_cancelled + (fl.quantity - fl.quantity_short)
      FROM fulfilment_line fl
     WHERE fl.fulfilment_id = :id AND ol.order_id = :order_id AND ol.line_no = fl.line_no
       AND fl.quantity > fl.quantity_short
    """
)


@dataclass(frozen=True, slots=True)
class Changes:
    """Columns a transition sets besides the state (None leaves a column as it is)."""

    carrier: str | None = None
    tracking_number: str | None = None
    carrier_tracking_url: str | None = None
    reason: str | None = None
    pickup_code: str | None = None
    transfer_id: uuid.UUID | None = None


async def apply_transition(
    session: AsyncSession,
    row: FulfilmentRow,
    target: str,
    actor: str,
    *,
    changes: Changes = Changes(),
    detail: dict[str, Any] | None = None,
) -> None:
    """Write the new state (already checked by the caller), the event, the order status."""
    done = (
        await session.execute(
            _SET_STATE,
            {
                "id": row.id,
                "from": row.state,
                "to": target,
                "closes": target in FINAL_STATES,
                "carrier": changes.carrier,
                "tracking_number": changes.tracking_number,
                "carrier_tracking_url": changes.carrier_tracking_url,
                "reason": changes.reason,
                "pickup_code": changes.pickup_code,
                "transfer_id": changes.transfer_id,
            },
        )
    ).first()
    if done is None:
        raise RuntimeError(f"fulfilment {row.id} changed state without holding its lock")
    await record_event(
        session,
        row.order_id,
        entered(target),
        actor,
        fulfilment_id=row.id,
        detail={"from": row.state, "location": row.location_code, **(detail or {})},
    )
    await refresh_status(session, row.order_id)


async def start_picking(
    session: AsyncSession, principal: Principal, fulfilment_id: uuid.UUID
) -> FulfilmentOut:
    """The fulfilment, now picking; InvalidState from any other state than pending, and for a
    pickup whose transfer has not arrived."""
    row = await lock_for_work(session, principal, fulfilment_id)
    waiting = await awaiting_transfer(session, row)
    check_transition(row.state, "picking", row.method, awaiting_transfer=waiting)
    await apply_transition(session, row, "picking", principal.actor)
    return await fulfilment_out(session, fulfilment_id)


async def pack(
    session: AsyncSession, principal: Principal, fulfilment_id: uuid.UUID
) -> FulfilmentOut:
    """The fulfilment, now packed; InvalidState unless it was picking."""
    row = await lock_for_work(session, principal, fulfilment_id)
    check_transition(row.state, "packed", row.method)
    await apply_transition(session, row, "packed", principal.actor)
    return await fulfilment_out(session, fulfilment_id)


async def cancel_fulfilment(
    session: AsyncSession,
    row: FulfilmentRow,
    actor: str,
    reason: str,
    *,
    detail: dict[str, Any] | None = None,
) -> list[tuple[int, int]]:
    """Cancel a locked fulfilment: its hold goes back to the shelf (ledger ``release``) and
    the units it carried are cancelled on the order. Returns (sku id, units) released.

    For order cancellation and the uncollected-pickup sweep; the caller checks access.
    """
    check_transition(row.state, "cancelled", row.method)
    released = await release_all(session, row.id, Source("fulfilment", str(row.id), actor, reason))
    await session.execute(_CANCEL_UNITS, {"id": row.id, "order_id": row.order_id})
    codes = await sku_codes(session, [sku_id for sku_id, _ in released])
    await apply_transition(
        session,
        row,
        "cancelled",
        actor,
        changes=Changes(reason=reason),
        detail={
            "reason": reason,
            "released": units_detail(released, codes),
            **(detail or {}),
        },
    )
    return released
