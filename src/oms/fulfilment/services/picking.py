"""Picking by scan: each scanned item is counted on its line of the pick list and kept
(``fulfilment_line.quantity_picked``), so a pick survives a reload, a tablet going to
sleep or another associate carrying on.

Counting writes no stock: the units were reserved for the fulfilment when it was placed,
and leave on_hand when it is shipped or handed over. A short pick takes units out of the
count when it leaves fewer to pick than were picked (``short_pick.add_short``).
"""

from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from oms.domain.access import Principal
from oms.domain.errors import InvalidState
from oms.domain.picking import count_on_lines
from oms.fulfilment.schemas import PickIn, PickLine, PickList
from oms.fulfilment.services.queue import pick_list_of
from oms.fulfilment.services.records import lock_for_work

_ADD_PICKED = text(
    """
    UPDATE fulfilment_line SET quantity_picked = quantity_picked + :units
     WHERE fulfilment_id = :id AND line_no = :line_no
    """
)


async def record_pick(
    session: AsyncSession, principal: Principal, fulfilment_id: uuid.UUID, data: PickIn
) -> PickList:
    """The pick list after counting ``data.quantity`` units of ``data.code``."""
    after, _ = await count_scan(session, principal, fulfilment_id, data)
    return after


async def count_scan(
    session: AsyncSession, principal: Principal, fulfilment_id: uuid.UUID, data: PickIn
) -> tuple[PickList, PickLine]:
    """``record_pick``, with the (last) line the scan was counted on, as it is now.

    Under the fulfilment's lock, so two associates scanning into one order never count
    the same unit twice. InvalidState unless picking has started; InvalidInput for an item
    on no line or more units than its line still needs (nothing is counted).
    """
    row = await lock_for_work(session, principal, fulfilment_id)
    if row.state != "picking":
        raise InvalidState("items are counted while picking: start picking first", state=row.state)
    before = await pick_list_of(session, row)
    counted = count_on_lines(before.lines, data.code, data.quantity)
    await session.execute(
        _ADD_PICKED,
        [{"id": row.id, "line_no": line.line_no, "units": units} for line, units in counted],
    )
    after = await pick_list_of(session, row)
    last = counted[-1][0].line_no
    return after, next(line for line in after.lines if line.line_no == last)
