"""Shipping: the reservation becomes an on_hand decrement.

A parcel to the customer is ledger ``ship``, and the customer is sent a message that it is
on its way (carrier, tracking number, the carrier's link when given). A ``transfer``
fulfilment sends the units to the pickup store instead: it opens a transfer (in transit,
like ``POST /transfers``) and the units leave as ``transfer_out``; receiving that transfer
reserves them for the customer's pickup (see ``transfer_link``).
"""

from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from oms.domain.access import Principal
from oms.domain.errors import InvalidInput, InvalidState
from oms.domain.fulfilment_flow import check_transition
from oms.domain.stock import MovementKind
from oms.fulfilment.schemas import ShipIn
from oms.fulfilment.services.records import (
    FulfilmentRow,
    fulfilment_out,
    lock_for_work,
    sku_codes,
    units_detail,
)
from oms.fulfilment.services.transitions import Changes, apply_transition
from oms.inventory.ledger.writers import Source
from oms.notifications.services.messages import queue_notification
from oms.orders.schemas import FulfilmentOut
from oms.orders.services.reservation import consume_all, held

_INSERT_TRANSFER = text(
    """
    INSERT INTO transfer (id, from_location_id, to_location_id, status, reference, actor)
    VALUES (:id, :from_id, :to_id, 'in_transit', :reference, :actor)
    """
)
_INSERT_TRANSFER_LINE = text(
    "INSERT INTO transfer_line (transfer_id, sku_id, quantity) VALUES (:id, :sku_id, :quantity)"
)


async def ship(
    session: AsyncSession,
    principal: Principal,
    fulfilment_id: uuid.UUID,
    data: ShipIn,
    *,
    public_url: str | None,
) -> FulfilmentOut:
    """The fulfilment after shipping it: a parcel's units leave on_hand and its customer is
    told, a transfer's go to the pickup store in a new transfer. InvalidState for a pickup
    or one that holds no units; InvalidInput for a parcel without carrier and tracking
    number. ``public_url``: ``OMS_PUBLIC_URL``, for the link in the customer's message."""
    row = await lock_for_work(session, principal, fulfilment_id)
    if row.method == "pickup":
        raise InvalidState(
            "a pickup fulfilment is not shipped: mark it ready for pickup, then hand it over",
            state=row.state,
            method=row.method,
        )
    check_transition(row.state, "shipped", row.method)
    if row.method == "ship" and (data.carrier is None or data.tracking_number is None):
        raise InvalidInput("a parcel needs its carrier and tracking_number")
    if not await held(session, row.id):
        raise InvalidState("this fulfilment holds no units to ship", state=row.state)
    if row.method == "transfer":
        await _send_to_store(session, row, principal.actor, data)
    else:
        source = Source("fulfilment", str(row.id), principal.actor, reason="shipped")
        shipped = await consume_all(session, row.id, MovementKind.SHIP, source)
        codes = await sku_codes(session, [sku_id for sku_id, _ in shipped])
        await apply_transition(
            session,
            row,
            "shipped",
            principal.actor,
            changes=Changes(
                carrier=data.carrier,
                tracking_number=data.tracking_number,
                carrier_tracking_url=data.carrier_tracking_url,
            ),
            detail={
                "carrier": data.carrier,
                "tracking_number": data.tracking_number,
                "carrier_tracking_url": data.carrier_tracking_url,
                "units": units_detail(shipped, codes),
            },
        )
        await queue_notification(
            session,
            order_id=row.order_id,
            kind="parcel_shipped",
            data={
                "order_number": row.order_number,
                "customer_name": row.customer_name,
                "carrier": data.carrier,
                "tracking_number": data.tracking_number,
                "carrier_tracking_url": data.carrier_tracking_url,
            },
            public_url=public_url,
        )
    return await fulfilment_out(session, fulfilment_id)


async def _send_to_store(
    session: AsyncSession, row: FulfilmentRow, actor: str, data: ShipIn
) -> None:
    assert row.destination_location_id is not None  # CHECK transfer_has_destination
    transfer_id = uuid.uuid4()
    lines = [(sku_id, quantity) for sku_id, _, quantity in await held(session, row.id)]
    await session.execute(
        _INSERT_TRANSFER,
        {
            "id": transfer_id,
            "from_id": row.location_id,
            "to_id": row.destination_location_id,
            "reference": f"order {row.order_number}",
            "actor": actor,
        },
    )
    await session.execute(
        _INSERT_TRANSFER_LINE,
        [{"id": transfer_id, "sku_id": s, "quantity": q} for s, q in lines],
    )
    source = Source(
        "fulfilment", str(row.id), actor, reason="transfer_to_store", note=f"transfer {transfer_id}"
    )
    sent = await consume_all(session, row.id, MovementKind.TRANSFER_OUT, source)
    codes = await sku_codes(session, [sku_id for sku_id, _ in sent])
    await apply_transition(
        session,
        row,
        "shipped",
        actor,
        changes=Changes(
            transfer_id=transfer_id, carrier=data.carrier, tracking_number=data.tracking_number
        ),
        detail={
            "transfer_id": str(transfer_id),
            "destination": row.destination_code,
            "units": units_detail(sent, codes),
        },
    )
