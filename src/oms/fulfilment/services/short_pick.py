"""Short picks and rejections: units the store cannot supply go back and are routed again.

Exactly the short units are released from the fulfilment's hold (ledger ``release``); the
reason code then says what the shelf is really like (see ``domain.fulfilment_flow``):

- ``count_zero`` (``not_found``): the shelf is counted. The count is what this fulfilment
  still has in hand of the SKU (0 when the whole line is short): units it already picked
  are in the tote, still on hand until they ship, so counting them away would be wrong.
- ``damage`` (``damaged``): the short units are written off (ledger ``damage``); they
  physically exist, so this may take on_hand below what other holds reserve.
- ``flag_count`` (``wrong_item``, ``other``): no change, the level is flagged for a count.

The line's ``quantity_short`` grows; a fulfilment left with nothing becomes ``rejected``.
The order's open units are then routed again (``allocate_open_units``).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from oms.domain.access import Principal
from oms.domain.errors import InvalidInput, InvalidState
from oms.domain.fulfilment_flow import StockEffect, check_short_pick, short_pick_effect
from oms.domain.stock import MovementKind
from oms.fulfilment.schemas import RejectIn, ShortPickIn
from oms.fulfilment.services.records import (
    FulfilmentRow,
    LineRow,
    awaiting_transfer,
    fed_pickup,
    fulfilment_out,
    lines_of,
    lock_by_id,
    lock_for_work,
)
from oms.fulfilment.services.transitions import Changes, apply_transition
from oms.inventory.ledger.fulfilment import flag_for_count
from oms.inventory.ledger.writers import Source, add_on_hand, set_on_hand
from oms.orders.schemas import FulfilmentOut
from oms.orders.services.allocation import allocate_open_units
from oms.orders.services.events import EventKind, record_event
from oms.orders.services.reservation import release_all, release_units
from oms.orders.services.status import refresh_status

# Units picked beyond what the line now carries come out of the tote's count: the short
# ones were among them (found damaged after picking, say).
_ADD_SHORT = text(
    """
    UPDATE fulfilment_line
       SET quantity_short = quantity_short + :q,
           quantity_picked = LEAST(quantity_picked, quantity - (quantity_short + :q))
     WHERE fulfilment_id = :id AND line_no = :line_no
    """
)

Short = tuple[int, int, str]  # (line_no, units, reason)


async def short_pick(
    session: AsyncSession, principal: Principal, fulfilment_id: uuid.UUID, data: ShortPickIn
) -> FulfilmentOut:
    """The fulfilment after releasing the short units, applying each reason's effect on the
    shelf and routing the order's open units again. InvalidInput for more units than a line
    carries; InvalidState while a pickup waits for its transfer."""
    row = await lock_for_work(session, principal, fulfilment_id)
    shorts = [(line.line_no, line.quantity_short, line.reason) for line in data.lines]
    await _short(session, row, shorts, principal.actor, data.note)
    return await fulfilment_out(session, fulfilment_id)


async def reject(
    session: AsyncSession, principal: Principal, fulfilment_id: uuid.UUID, data: RejectIn
) -> FulfilmentOut:
    """Every unit the fulfilment still carries is short for ``data.reason``."""
    row = await lock_for_work(session, principal, fulfilment_id)
    lines = (await lines_of(session, [row.id])).get(row.id, [])
    shorts = [(line.line_no, line.carried, data.reason) for line in lines if line.carried]
    await _short(session, row, shorts, principal.actor, data.note)
    return await fulfilment_out(session, fulfilment_id)


async def _short(
    session: AsyncSession, row: FulfilmentRow, shorts: list[Short], actor: str, note: str | None
) -> None:
    check_short_pick(row.state, row.method)
    if await awaiting_transfer(session, row):
        raise InvalidState(
            "this pickup is waiting for its transfer; nothing has been picked yet",
            state=row.state,
        )
    effects = {reason: short_pick_effect(reason) for _, _, reason in shorts}
    lines = {line.line_no: line for line in (await lines_of(session, [row.id])).get(row.id, [])}
    _check_quantities(shorts, lines)
    if not shorts:
        raise InvalidState("this fulfilment carries no units any more", state=row.state)

    done: list[dict[str, Any]] = []
    # SKU-id order: the levels of one location are locked in the usual order.
    for line_no, units, reason in sorted(shorts, key=lambda s: (lines[s[0]].sku_id, s[0])):
        line = lines[line_no]
        source = Source("fulfilment", str(row.id), actor, reason=reason, note=note)
        left = await release_units(session, row.id, line.sku_id, row.location_id, units, source)
        await _apply_effect(session, effects[reason], row, line, units, left, source)
        await add_short(session, row.id, line_no, units)
        done.append(
            {
                "line_no": line_no,
                "sku": line.sku,
                "quantity_short": units,
                "reason": reason,
                "effect": effects[reason].value,
            }
        )
    await record_event(
        session,
        row.order_id,
        EventKind.FULFILMENT_SHORT_PICKED,
        actor,
        fulfilment_id=row.id,
        detail={"location": row.location_code, "lines": done, "note": note},
    )
    reasons = {reason for _, _, reason in shorts}
    summary = reasons.pop() if len(reasons) == 1 else "short_pick"
    await reject_if_empty(session, row, actor, summary)
    if row.method == "transfer":
        await _short_on_fed_pickup(session, row, [(lines[n], q) for n, q, _ in shorts], actor)
    await refresh_status(session, row.order_id)
    # The customer's store is the only place a pickup can come from: never avoid it.
    avoid = () if row.method == "pickup" else (row.location_id,)
    await allocate_open_units(session, row.order_id, trigger="short_pick", actor=actor, avoid=avoid)


async def add_short(
    session: AsyncSession, fulfilment_id: uuid.UUID, line_no: int, units: int
) -> None:
    """Count ``units`` more of the line short; writes no stock. The caller holds the order's
    lock and has dealt with any reservation of those units."""
    await session.execute(_ADD_SHORT, {"id": fulfilment_id, "line_no": line_no, "q": units})


def _check_quantities(shorts: Sequence[Short], lines: dict[int, LineRow]) -> None:
    asked: dict[int, int] = {}
    for line_no, units, _ in shorts:
        if line_no not in lines:
            raise InvalidInput(f"this fulfilment has no line {line_no}", line_no=line_no)
        asked[line_no] = asked.get(line_no, 0) + units
    for line_no, units in asked.items():
        if units > lines[line_no].carried:
            raise InvalidInput(
                f"line {line_no}: {units} short, but the fulfilment carries only"
                f" {lines[line_no].carried} units of it",
                line_no=line_no,
                carried=lines[line_no].carried,
            )


async def _apply_effect(
    session: AsyncSession,
    effect: StockEffect,
    row: FulfilmentRow,
    line: LineRow,
    units: int,
    left_in_hand: int,
    source: Source,
) -> None:
    if effect is StockEffect.COUNT_ZERO:
        await set_on_hand(session, line.sku_id, row.location_id, left_in_hand, source)
    elif effect is StockEffect.DAMAGE:
        # The damaged units are in the associate's hands: writing them off cannot be
        # refused, even when other holds now promise more than the shelf has.
        await add_on_hand(
            session, line.sku_id, row.location_id, -units, MovementKind.DAMAGE, source
        )
    elif effect is StockEffect.FLAG_COUNT:
        await flag_for_count(session, line.sku_id, row.location_id)


async def reject_if_empty(
    session: AsyncSession, row: FulfilmentRow, actor: str, reason: str
) -> bool:
    """A fulfilment whose every unit is short is ``rejected``; its (empty) hold closes."""
    lines = (await lines_of(session, [row.id])).get(row.id, [])
    if any(line.carried for line in lines):
        return False
    await release_all(session, row.id, Source("fulfilment", str(row.id), actor, reason=reason))
    await apply_transition(
        session, row, "rejected", actor, changes=Changes(reason=reason), detail={"reason": reason}
    )
    return True


async def _short_on_fed_pickup(
    session: AsyncSession, transfer: FulfilmentRow, shorted: list[tuple[LineRow, int]], actor: str
) -> None:
    """Units a transfer will not bring are short on the pickup waiting for them too, so
    they count as open and are routed again (the pickup held nothing of them yet)."""
    pickup_id = await fed_pickup(session, transfer.id)
    pickup = None if pickup_id is None else await lock_by_id(session, pickup_id)
    if pickup is None or pickup.state not in ("pending", "picking", "packed"):
        return
    lines = (await lines_of(session, [pickup.id])).get(pickup.id, [])
    moved: list[dict[str, Any]] = []
    for source_line, units in shorted:
        for line in lines:
            if line.line_no != source_line.line_no or not line.carried:
                continue
            take = min(units, line.carried)
            await add_short(session, pickup.id, line.line_no, take)
            moved.append({"line_no": line.line_no, "sku": line.sku, "quantity_short": take})
    if not moved:
        return
    await record_event(
        session,
        pickup.order_id,
        EventKind.FULFILMENT_SHORT_PICKED,
        actor,
        fulfilment_id=pickup.id,
        detail={"location": pickup.location_code, "lines": moved, "reason": "transfer_short"},
    )
    await reject_if_empty(session, pickup, actor, "transfer_short")
