"""Single-level writers for stock documents, holds and counts: each statement changes one
level and appends its ledger row together, so no code path changes stock without a movement.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import TextClause, text
from sqlalchemy.ext.asyncio import AsyncSession

from oms.domain.stock import MovementKind
from oms.inventory.ledger.sql import covers, update_level, with_movement


@dataclass(frozen=True, slots=True)
class Source:
    """Who changed stock and why: the document the movement belongs to."""

    ref_type: str
    ref_id: str
    actor: str
    reason: str | None = None
    note: str | None = None

    def params(self) -> dict[str, str | None]:
        """The movement's columns (ref_type, ref_id, actor, reason, note) as bound parameters."""
        return {
            "ref_type": self.ref_type,
            "ref_id": self.ref_id,
            "actor": self.actor,
            "reason": self.reason,
            "note": self.note,
        }


# Adds to on_hand, creating the level if it is new (receipts, transfer-in, returns, sales).
# A shelf driven below zero by a walk-in sale is flagged for a count.
_ADD_ON_HAND = with_movement(
    """
        INSERT INTO inventory_level AS l (sku_id, location_id, on_hand, needs_count)
        VALUES (:sku_id, :location_id, :d_on_hand, :d_on_hand < 0)
        ON CONFLICT (sku_id, location_id) DO UPDATE
           SET on_hand = l.on_hand + EXCLUDED.on_hand,
               needs_count = l.needs_count OR l.on_hand + EXCLUDED.on_hand < 0,
               updated_at = now()"""
)

# Takes units off the shelf only if they are there and not promised to a hold
# (damage, negative adjustments, transfer-out).
_TAKE_FREE_ON_HAND = with_movement(
    update_level("on_hand = on_hand + :d_on_hand", guard="on_hand - reserved + :d_on_hand >= 0")
)

# The reservation: one conditional UPDATE, never read-then-write.
_RESERVE = with_movement(
    update_level("reserved = reserved + :d_reserved", guard=covers(":d_reserved"))
)

# Gives reserved units back (release) or turns them into a shipment (ship: both go down).
UNRESERVE = with_movement(
    update_level(
        "reserved = reserved + :d_reserved, on_hand = on_hand + :d_on_hand",
        guard="reserved + :d_reserved >= 0",
    )
)

# A count: the delta was computed under the row lock; a count that matches records nothing.
_SET_ON_HAND = with_movement(
    update_level("on_hand = on_hand + :d_on_hand, needs_count = false"),
    record_if=":d_on_hand <> 0",
)

_LOCK_LEVEL = text(
    """
    SELECT on_hand, reserved, safety_stock FROM inventory_level
     WHERE sku_id = :sku_id AND location_id = :location_id FOR UPDATE
    """
)
_CURRENT_LEVEL = text(
    "SELECT on_hand, reserved, safety_stock FROM inventory_level"
    " WHERE sku_id = :sku_id AND location_id = :location_id"
)
_ENSURE_LEVEL = text(
    """
    INSERT INTO inventory_level (sku_id, location_id) VALUES (:sku_id, :location_id)
    ON CONFLICT (sku_id, location_id) DO NOTHING
    """
)


@dataclass(frozen=True, slots=True)
class LevelState:
    on_hand: int
    reserved: int
    safety_stock: int


async def run(
    session: AsyncSession,
    statement: TextClause,
    *,
    sku_id: int,
    location_id: int,
    kind: MovementKind,
    d_on_hand: int,
    d_reserved: int,
    source: Source,
) -> LevelState | None:
    """Run one writer statement (built by ``with_movement``) for a level: the level after it,
    or None when the statement's guard refused and nothing, movement included, was written."""
    row = (
        await session.execute(
            statement,
            {
                "sku_id": sku_id,
                "location_id": location_id,
                "kind": kind.value,
                "d_on_hand": d_on_hand,
                "d_reserved": d_reserved,
                **source.params(),
            },
        )
    ).first()
    return None if row is None else LevelState(row.on_hand, row.reserved, row.safety_stock)


async def add_on_hand(
    session: AsyncSession,
    sku_id: int,
    location_id: int,
    quantity: int,
    kind: MovementKind,
    source: Source,
) -> LevelState:
    """Add ``quantity`` (negative: take) to on_hand with no guard, creating the level if new;
    a shelf driven below zero is flagged for a count. The level after it."""
    state = await run(
        session,
        _ADD_ON_HAND,
        sku_id=sku_id,
        location_id=location_id,
        kind=kind,
        d_on_hand=quantity,
        d_reserved=0,
        source=source,
    )
    assert state is not None  # an upsert always returns its row
    return state


async def take_free_on_hand(
    session: AsyncSession,
    sku_id: int,
    location_id: int,
    quantity: int,
    kind: MovementKind,
    source: Source,
) -> LevelState | None:
    """None when fewer than ``quantity`` unreserved units are on hand."""
    return await run(
        session,
        _TAKE_FREE_ON_HAND,
        sku_id=sku_id,
        location_id=location_id,
        kind=kind,
        d_on_hand=-quantity,
        d_reserved=0,
        source=source,
    )


async def reserve(
    session: AsyncSession, sku_id: int, location_id: int, quantity: int, source: Source
) -> LevelState | None:
    """None when fewer than ``quantity`` units are available (or the level does not exist)."""
    return await run(
        session,
        _RESERVE,
        sku_id=sku_id,
        location_id=location_id,
        kind=MovementKind.RESERVE,
        d_on_hand=0,
        d_reserved=quantity,
        source=source,
    )


async def unreserve(
    session: AsyncSession,
    sku_id: int,
    location_id: int,
    quantity: int,
    source: Source,
    *,
    ship: bool = False,
) -> LevelState | None:
    """Release ``quantity`` reserved units, or ship them (``ship=True`` also takes on_hand)."""
    return await run(
        session,
        UNRESERVE,
        sku_id=sku_id,
        location_id=location_id,
        kind=MovementKind.SHIP if ship else MovementKind.RELEASE,
        d_on_hand=-quantity if ship else 0,
        d_reserved=-quantity,
        source=source,
    )


async def set_on_hand(
    session: AsyncSession,
    sku_id: int,
    location_id: int,
    counted: int,
    source: Source,
) -> tuple[LevelState, int]:
    """A cycle count: make on_hand equal ``counted`` and record the difference.

    The level is locked first so the delta is computed from the value being replaced.
    Returns the new state and the recorded delta (0 means the count matched).
    """
    params = {"sku_id": sku_id, "location_id": location_id}
    await session.execute(_ENSURE_LEVEL, params)
    current = (await session.execute(_LOCK_LEVEL, params)).one()
    delta = counted - current.on_hand
    state = await run(
        session,
        _SET_ON_HAND,
        sku_id=sku_id,
        location_id=location_id,
        kind=MovementKind.COUNT,
        d_on_hand=delta,
        d_reserved=0,
        source=source,
    )
    assert state is not None
    return state, delta


async def current_level(session: AsyncSession, sku_id: int, location_id: int) -> LevelState | None:
    """The level as this transaction sees it, unlocked; None if the location has none for it."""
    params = {"sku_id": sku_id, "location_id": location_id}
    row = (await session.execute(_CURRENT_LEVEL, params)).first()
    return None if row is None else LevelState(row.on_hand, row.reserved, row.safety_stock)
