"""A fulfilment's reservation: the ``order`` hold with the fulfilment's id.

The audit requires a level's ``reserved`` to equal what active holds hold there, so every
function here changes the hold line and the level (through the ledger) together. Callers
hold the fulfilment's row lock, which is what serialises changes to its hold. Lines are
taken in SKU-id order: one location, a fixed lock order, no deadlocks.
"""

from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from oms.domain.errors import InvalidState
from oms.domain.stock import MovementKind
from oms.inventory.ledger.fulfilment import consume_reserved, reserve_arrived
from oms.inventory.ledger.writers import Source, unreserve

_HELD = text(
    """
    SELECT hl.sku_id, hl.location_id, hl.quantity
      FROM hold_line hl JOIN hold h ON h.id = hl.hold_id
     WHERE hl.hold_id = :id AND h.status = 'active'
     ORDER BY hl.sku_id
    """
)
_CLOSE = text(
    """
    UPDATE hold SET status = :status, closed_at = now()
     WHERE id = :id AND status = 'active'
    """
)
_LINE_QUANTITY = text(
    """
    SELECT hl.quantity FROM hold_line hl JOIN hold h ON h.id = hl.hold_id
     WHERE hl.hold_id = :id AND hl.sku_id = :sku_id AND h.status = 'active'
       FOR UPDATE OF hl
    """
)
_DELETE_LINE = text("DELETE FROM hold_line WHERE hold_id = :id AND sku_id = :sku_id")
_REDUCE_LINE = text(
    "UPDATE hold_line SET quantity = quantity - :q WHERE hold_id = :id AND sku_id = :sku_id"
)
_OPEN_HOLD = text(
    """
    INSERT INTO hold (id, location_id, status, purpose, reference, actor)
    VALUES (:id, :location_id, 'active', 'order', :reference, :actor)
    ON CONFLICT (id) DO NOTHING
    """
)
_HOLD_STATUS = text("SELECT status FROM hold WHERE id = :id")
_ADD_LINE = text(
    """
    INSERT INTO hold_line AS hl (hold_id, sku_id, location_id, quantity)
    VALUES (:id, :sku_id, :location_id, :q)
    ON CONFLICT (hold_id, sku_id) DO UPDATE SET quantity = hl.quantity + EXCLUDED.quantity
    """
)


async def held(session: AsyncSession, fulfilment_id: uuid.UUID) -> list[tuple[int, int, int]]:
    """(sku id, location id, units) the fulfilment's active hold keeps, in SKU-id order."""
    rows = await session.execute(_HELD, {"id": fulfilment_id})
    return [(r.sku_id, r.location_id, r.quantity) for r in rows]


async def consume_all(
    session: AsyncSession, fulfilment_id: uuid.UUID, kind: MovementKind, source: Source
) -> list[tuple[int, int]]:
    """The goods leave: each held unit comes off reserved and on_hand (``ship``,
    ``transfer_out``) and the hold is ``consumed``. Returns (sku id, units) per line."""
    lines = await held(session, fulfilment_id)
    for sku_id, location_id, quantity in lines:
        if await consume_reserved(session, sku_id, location_id, quantity, kind, source) is None:
            # The CHECK on reserved makes this a bug elsewhere, never a user error.
            raise RuntimeError(f"fulfilment {fulfilment_id} holds more than is reserved")
    await session.execute(_CLOSE, {"id": fulfilment_id, "status": "consumed"})
    return [(sku_id, quantity) for sku_id, _, quantity in lines]


async def release_all(
    session: AsyncSession, fulfilment_id: uuid.UUID, source: Source
) -> list[tuple[int, int]]:
    """Give every held unit back (ledger ``release``) and close the hold as ``released``."""
    lines = await held(session, fulfilment_id)
    for sku_id, location_id, quantity in lines:
        if await unreserve(session, sku_id, location_id, quantity, source) is None:
            raise RuntimeError(f"fulfilment {fulfilment_id} holds more than is reserved")
    await session.execute(_CLOSE, {"id": fulfilment_id, "status": "released"})
    return [(sku_id, quantity) for sku_id, _, quantity in lines]


async def release_units(
    session: AsyncSession,
    fulfilment_id: uuid.UUID,
    sku_id: int,
    location_id: int,
    quantity: int,
    source: Source,
) -> int:
    """Give back ``quantity`` held units of one SKU; returns how many the hold still keeps.

    ``InvalidState`` when the hold keeps fewer (e.g. a pickup whose transfer has not
    arrived yet has nothing of it to give back).
    """
    params = {"id": fulfilment_id, "sku_id": sku_id, "q": quantity}
    found = await session.scalar(_LINE_QUANTITY, params)
    current = 0 if found is None else int(found)
    if current < quantity:
        raise InvalidState(
            f"this fulfilment holds {current} of those units here, not {quantity}",
            held=current,
        )
    # A hold line never holds zero (CHECK quantity > 0): the last units remove it.
    await session.execute(_DELETE_LINE if current == quantity else _REDUCE_LINE, params)
    if await unreserve(session, sku_id, location_id, quantity, source) is None:
        raise RuntimeError(f"fulfilment {fulfilment_id} holds more than is reserved")
    return current - quantity


async def reserve_into(
    session: AsyncSession,
    fulfilment_id: uuid.UUID,
    location_id: int,
    lines: list[tuple[int, int]],
    source: Source,
    reference: str | None,
) -> list[tuple[int, int]]:
    """Reserve units now on the shelf for this fulfilment, opening its hold if it has none.

    Returns (sku id, units) actually reserved: a line the shelf cannot cover (someone sold
    the units in between) is left out for the caller to deal with.
    """
    await session.execute(
        _OPEN_HOLD,
        {
            "id": fulfilment_id,
            "location_id": location_id,
            "reference": reference,
            "actor": source.actor,
        },
    )
    status = await session.scalar(_HOLD_STATUS, {"id": fulfilment_id})
    if status != "active":
        # Units added to a closed hold would be reserved without any active hold line.
        raise InvalidState(f"the fulfilment's reservation is {status}", status=status)
    done: list[tuple[int, int]] = []
    for sku_id, quantity in sorted(lines):
        if quantity <= 0:
            continue
        if await reserve_arrived(session, sku_id, location_id, quantity, source) is None:
            continue
        await session.execute(
            _ADD_LINE,
            {"id": fulfilment_id, "sku_id": sku_id, "location_id": location_id, "q": quantity},
        )
        done.append((sku_id, quantity))
    return done
