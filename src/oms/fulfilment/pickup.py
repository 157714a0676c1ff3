"""Click and collect: the parcel goes on the pickup shelf, the customer shows a code.

Marking a pickup ready gives it a fresh random code and mails it to the customer with the
store's address and hours. Handing over needs that code; a store manager may hand over
without it (the customer lost the mail, ID was checked) and must say why. Handing over
turns the reservation into an on_hand decrement, like shipping (ledger ``ship``).
"""

from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from oms.domain.access import Action, Principal, require
from oms.domain.fulfilment_flow import (
    PickupCodeMismatch,
    check_transition,
    new_pickup_code,
    pickup_code_matches,
)
from oms.domain.stock import MovementKind
from oms.fulfilment.records import fulfilment_out, lock_for_work, sku_codes, units_detail
from oms.fulfilment.reservation import consume_all
from oms.fulfilment.schemas import HandOverIn
from oms.fulfilment.transitions import Changes, apply_transition
from oms.inventory.services.ledger import Source
from oms.notifications.service import queue_notification
from oms.orders.schemas import FulfilmentOut

_STORE_AND_CUSTOMER = text(
    """
    SELECT loc.code, loc.name, loc.address, loc.opening_hours, loc.timezone,
           o.customer_name
      FROM fulfilment f
      JOIN location loc ON loc.id = f.location_id
      JOIN sales_order o ON o.id = f.order_id
     WHERE f.id = :id
    """
)


async def ready_for_pickup(
    session: AsyncSession, principal: Principal, fulfilment_id: uuid.UUID
) -> FulfilmentOut:
    row = await lock_for_work(session, principal, fulfilment_id)
    check_transition(row.state, "ready_for_pickup", row.method)
    code = new_pickup_code()
    await apply_transition(
        session, row, "ready_for_pickup", principal.actor, changes=Changes(pickup_code=code)
    )
    facts = (await session.execute(_STORE_AND_CUSTOMER, {"id": row.id})).one()
    await queue_notification(
        session,
        order_id=row.order_id,
        kind="ready_for_pickup",
        data={
            "order_number": row.order_number,
            "customer_name": facts.customer_name,
            "store_code": facts.code,
            "store_name": facts.name,
            "store_address": facts.address,
            "opening_hours": facts.opening_hours,
            "timezone": facts.timezone,
            "pickup_code": code,
        },
    )
    return await fulfilment_out(session, fulfilment_id)


async def hand_over(
    session: AsyncSession, principal: Principal, fulfilment_id: uuid.UUID, data: HandOverIn
) -> FulfilmentOut:
    """Give the parcel to the customer. A wrong code changes nothing (422)."""
    row = await lock_for_work(session, principal, fulfilment_id)
    check_transition(row.state, "picked_up", row.method)
    if data.code is not None:
        if not pickup_code_matches(data.code, row.pickup_code):
            raise PickupCodeMismatch("the pickup code does not match this order")
        detail: dict[str, object] = {"verified_by": "code"}
    else:
        require(principal, Action.OVERRIDE_PICKUP_CODE)
        detail = {"verified_by": "override", "override_reason": data.override_reason}
    source = Source("fulfilment", str(row.id), principal.actor, reason="picked_up")
    handed = await consume_all(session, row.id, MovementKind.SHIP, source)
    codes = await sku_codes(session, [sku_id for sku_id, _ in handed])
    await apply_transition(
        session,
        row,
        "picked_up",
        principal.actor,
        detail={**detail, "units": units_detail(handed, codes)},
    )
    return await fulfilment_out(session, fulfilment_id)
