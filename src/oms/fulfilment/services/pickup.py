"""Click and collect: the parcel goes on the pickup shelf, the customer shows a code.

Marking a pickup ready gives it a fresh random code and mails it to the customer with the
store's address and hours. Handing over needs that code; a store manager may hand over
without it (the customer lost the mail, ID was checked) and must say why. Handing over
turns the reservation into an on_hand decrement, like shipping (ledger ``ship``).

Wrong codes are counted on the fulfilment and each is recorded on the order's timeline
(never the code tried). After ``OMS_PICKUP_CODE_ATTEMPTS`` of them the code is locked: no
code is accepted, the right one included, until a store manager unlocks it with a reason.
A wrong code must be counted although the hand-over is refused, and the request is one
transaction that a raised error rolls back; so the refusal is *returned* (``Refused``),
the transaction commits the count, and the controller answers with the problem. The count
is written under the order's and the fulfilment's row locks, so tries at once all count.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from oms.domain.access import Action, Principal, require, require_at
from oms.domain.errors import DomainError, InvalidState, PickupCodeLocked
from oms.domain.fulfilment_flow import (
    PickupCodeMismatch,
    check_transition,
    new_pickup_code,
    pickup_code_attempts_left,
    pickup_code_locks,
    pickup_code_matches,
)
from oms.domain.stock import MovementKind
from oms.fulfilment.schemas import HandOverIn, PickupCodeStatus, UnlockPickupCodeIn
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
from oms.orders.services.events import EventKind, record_event
from oms.orders.services.reservation import consume_all

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
# Read and written only under the fulfilment's row lock (``lock_for_work``); the guard on
# the old count makes a forgotten lock fail loudly instead of losing a try.
_CODE_TRIES = text(
    "SELECT pickup_code_failures AS failures, pickup_code_locked_at IS NOT NULL AS locked"
    "  FROM fulfilment WHERE id = :id"
)
_SET_CODE_TRIES = text(
    """
    UPDATE fulfilment
       SET pickup_code_failures = :failures,
           pickup_code_locked_at = CASE WHEN :lock THEN now() END
     WHERE id = :id AND pickup_code_failures = :before
    RETURNING id
    """
)
LOCKED = "too many wrong pickup codes: the code is locked until a store manager unlocks it"


@dataclass(frozen=True, slots=True)
class Refused:
    """A refusal whose writes must be kept: answer ``error`` and commit, not roll back."""

    error: DomainError


async def ready_for_pickup(
    session: AsyncSession,
    principal: Principal,
    fulfilment_id: uuid.UUID,
    *,
    public_url: str | None,
) -> FulfilmentOut:
    """``public_url``: ``OMS_PUBLIC_URL``, for the link in the customer's message."""
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
        public_url=public_url,
    )
    return await fulfilment_out(session, fulfilment_id)


async def hand_over(
    session: AsyncSession,
    principal: Principal,
    fulfilment_id: uuid.UUID,
    data: HandOverIn,
    *,
    attempts: int,
) -> FulfilmentOut | Refused:
    """Give the parcel to the customer. A wrong code changes nothing but its count (422,
    or 423 once that locks the code); a locked code refuses every code (423)."""
    row = await lock_for_work(session, principal, fulfilment_id)
    check_transition(row.state, "picked_up", row.method)
    if data.code is not None:
        tries = (await session.execute(_CODE_TRIES, {"id": row.id})).one()
        if tries.locked:
            raise PickupCodeLocked(LOCKED)
        if not pickup_code_matches(data.code, row.pickup_code):
            return await _wrong_code(session, principal, row, tries.failures, attempts)
        detail: dict[str, object] = {"verified_by": "code"}
    else:
        # The manager's override works whether or not the code is locked: ID was checked.
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


async def _wrong_code(
    session: AsyncSession, principal: Principal, row: FulfilmentRow, before: int, attempts: int
) -> Refused:
    """Count a wrong code and record it (the code tried stays out of the record)."""
    failures = before + 1
    locks = pickup_code_locks(failures, attempts)
    await _set_tries(session, row, before=before, failures=failures, lock=locks)
    left = pickup_code_attempts_left(failures, attempts)
    facts: dict[str, Any] = {"location": row.location_code, "failures": failures}
    await record_event(
        session,
        row.order_id,
        EventKind.FULFILMENT_PICKUP_CODE_WRONG,
        principal.actor,
        fulfilment_id=row.id,
        detail={**facts, "attempts_left": left},
    )
    if locks:
        await record_event(
            session,
            row.order_id,
            EventKind.FULFILMENT_PICKUP_CODE_LOCKED,
            principal.actor,
            fulfilment_id=row.id,
            detail=facts,
        )
        return Refused(PickupCodeLocked(LOCKED, failures=failures))
    return Refused(
        PickupCodeMismatch("the pickup code does not match this order", attempts_left=left)
    )


async def unlock_pickup_code(
    session: AsyncSession,
    principal: Principal,
    fulfilment_id: uuid.UUID,
    data: UnlockPickupCodeIn,
    *,
    attempts: int,
) -> PickupCodeStatus:
    """A store manager lets the code be tried again (the count starts afresh)."""
    row = await lock_for_work(session, principal, fulfilment_id)
    require_at(principal, Action.UNLOCK_PICKUP_CODE, row.location_id, row.location_code)
    tries = (await session.execute(_CODE_TRIES, {"id": row.id})).one()
    if row.state != "ready_for_pickup" or not tries.locked:
        raise InvalidState(
            "only the locked code of a pickup waiting on the shelf can be unlocked",
            state=row.state,
            locked=bool(tries.locked),
        )
    await _set_tries(session, row, before=tries.failures, failures=0, lock=False)
    await record_event(
        session,
        row.order_id,
        EventKind.FULFILMENT_PICKUP_CODE_UNLOCKED,
        principal.actor,
        fulfilment_id=row.id,
        detail={
            "location": row.location_code,
            "reason": data.reason,
            "failures": tries.failures,
        },
    )
    return PickupCodeStatus(fulfilment_id=row.id, locked=False, failures=0, attempts_left=attempts)


async def _set_tries(
    session: AsyncSession, row: FulfilmentRow, *, before: int, failures: int, lock: bool
) -> None:
    params = {"id": row.id, "before": before, "failures": failures, "lock": lock}
    if (await session.execute(_SET_CODE_TRIES, params)).first() is None:
        raise RuntimeError(f"fulfilment {row.id} pickup code tries changed without its lock")
