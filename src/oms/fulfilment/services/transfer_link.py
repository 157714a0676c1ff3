"""Transfer to store: when stock sent for a pickup arrives, it is reserved for that pickup.

``receive_transfer`` calls ``on_transfer_received`` after putting the received units on
the store's shelf (ledger ``transfer_in``). If the transfer was sent by a ``transfer``
fulfilment, the units are reserved for the pickup fulfilment waiting for them (its hold,
ledger ``reserve``) and the pickup becomes pickable once its last transfer is in. Units
lost on the way (or sold off the shelf before they could be reserved) are short on the
pickup and routed again.

Locks: the receive has already locked the transfer and the store's levels; this takes
the order and its fulfilments next. Everything else locks the order first, so a re-route
of the same order onto the same level at the same moment could deadlock with a receive;
PostgreSQL then aborts one of them and the request can be retried.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from oms.domain.fulfilment_flow import WORK_STATES
from oms.fulfilment.services.records import (
    awaiting_transfer,
    fed_pickup,
    lines_of,
    lock_by_id,
    sku_codes,
    units_detail,
)
from oms.fulfilment.services.short_pick import add_short, reject_if_empty
from oms.inventory.ledger.writers import Source
from oms.orders.services.allocation import allocate_open_units
from oms.orders.services.events import EventKind, record_event
from oms.orders.services.reservation import reserve_into
from oms.orders.services.status import refresh_status

_SENDER = text("SELECT id FROM fulfilment WHERE transfer_id = :id AND method = 'transfer'")
_SENT = text("SELECT sku_id, quantity FROM transfer_line WHERE transfer_id = :id")


async def on_transfer_received(
    session: AsyncSession, transfer_id: uuid.UUID, received: dict[int, int], actor: str
) -> None:
    """``received``: units per SKU id that arrived (0 for a line lost entirely)."""
    sender_id = await session.scalar(_SENDER, {"id": transfer_id})
    if sender_id is None:
        return  # a plain stock transfer, not sent for an order
    sender = await lock_by_id(session, sender_id)
    assert sender is not None
    pickup_id = await fed_pickup(session, sender.id)
    pickup = None if pickup_id is None else await lock_by_id(session, pickup_id)
    codes = await sku_codes(session, list(received))
    if pickup is None or pickup.state not in WORK_STATES:
        # The pickup was cancelled while the stock travelled: it simply stays on the shelf.
        await record_event(
            session,
            sender.order_id,
            EventKind.FULFILMENT_TRANSFER_RECEIVED,
            actor,
            fulfilment_id=sender.id,
            detail={
                "transfer_id": str(transfer_id),
                "received": units_detail(sorted(received.items()), codes),
                "reserved_for": None,
            },
        )
        return
    source = Source(
        "fulfilment",
        str(pickup.id),
        actor,
        reason="transfer_arrived",
        note=f"transfer {transfer_id}",
    )
    reserved = dict(
        await reserve_into(
            session,
            pickup.id,
            pickup.location_id,
            sorted(received.items()),
            source,
            reference=f"order {pickup.order_number}",
        )
    )
    sent = {r.sku_id: r.quantity for r in await session.execute(_SENT, {"id": transfer_id})}
    missing = {s: q - reserved.get(s, 0) for s, q in sent.items() if q > reserved.get(s, 0)}
    await record_event(
        session,
        pickup.order_id,
        EventKind.FULFILMENT_TRANSFER_ARRIVED,
        actor,
        fulfilment_id=pickup.id,
        detail={
            "transfer_id": str(transfer_id),
            "from_fulfilment": str(sender.id),
            "reserved": units_detail(sorted(reserved.items()), codes),
            "missing": units_detail(sorted(missing.items()), codes),
            "still_waiting": await awaiting_transfer(session, pickup),
        },
    )
    if missing:
        await _short_missing(session, pickup.id, missing, actor)
        await allocate_open_units(session, pickup.order_id, trigger="transfer_short", actor=actor)
    await refresh_status(session, pickup.order_id)


async def _short_missing(
    session: AsyncSession, pickup_id: uuid.UUID, missing: dict[int, int], actor: str
) -> None:
    pickup = await lock_by_id(session, pickup_id)
    assert pickup is not None
    lines = (await lines_of(session, [pickup_id])).get(pickup_id, [])
    shorted: list[dict[str, Any]] = []
    for line in lines:
        take = min(missing.get(line.sku_id, 0), line.carried)
        if take:
            await add_short(session, pickup_id, line.line_no, take)
            missing[line.sku_id] -= take
            shorted.append({"line_no": line.line_no, "sku": line.sku, "quantity_short": take})
    await record_event(
        session,
        pickup.order_id,
        EventKind.FULFILMENT_SHORT_PICKED,
        actor,
        fulfilment_id=pickup_id,
        detail={"location": pickup.location_code, "lines": shorted, "reason": "lost_in_transit"},
    )
    await reject_if_empty(session, pickup, actor, "lost_in_transit")
