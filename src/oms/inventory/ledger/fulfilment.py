"""Level writers for order fulfilment, built like ``writers``': one statement changes the
level and appends its movement together.

``writers.unreserve`` only releases or ships; a fulfilment also sends reserved units to
another location (``transfer_out``) and reserves units that just arrived for the customer
who waits for them.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from oms.domain.stock import MovementKind
from oms.inventory.ledger.sql import update_level, with_movement
from oms.inventory.ledger.writers import UNRESERVE, LevelState, Source, run

# Units that arrived for a waiting customer are theirs even if they eat into the store's
# safety stock (a selling buffer): only the physical units on the shelf are checked.
_RESERVE_ARRIVED = with_movement(
    update_level("reserved = reserved + :d_reserved", guard="on_hand - reserved >= :d_reserved")
)

_FLAG_COUNT = text(
    """
    UPDATE inventory_level SET needs_count = true, updated_at = now()
     WHERE sku_id = :sku_id AND location_id = :location_id
    """
)


async def consume_reserved(
    session: AsyncSession,
    sku_id: int,
    location_id: int,
    quantity: int,
    kind: MovementKind,
    source: Source,
) -> LevelState | None:
    """Take ``quantity`` reserved units off the shelf as ``kind`` (ship, transfer_out).

    None when fewer than ``quantity`` units are reserved there.
    """
    return await run(
        session,
        UNRESERVE,  # the ship statement: reserved and on_hand go down together
        sku_id=sku_id,
        location_id=location_id,
        kind=kind,
        d_on_hand=-quantity,
        d_reserved=-quantity,
        source=source,
    )


async def reserve_arrived(
    session: AsyncSession, sku_id: int, location_id: int, quantity: int, source: Source
) -> LevelState | None:
    """Reserve units that are on the shelf and promised to nobody else (ledger ``reserve``).

    None when fewer than ``quantity`` unreserved units are on hand.
    """
    return await run(
        session,
        _RESERVE_ARRIVED,
        sku_id=sku_id,
        location_id=location_id,
        kind=MovementKind.RESERVE,
        d_on_hand=0,
        d_reserved=quantity,
        source=source,
    )


async def flag_for_count(session: AsyncSession, sku_id: int, location_id: int) -> None:
    """Ask for a count of one level; neither on_hand nor reserved changes (no movement)."""
    await session.execute(_FLAG_COUNT, {"sku_id": sku_id, "location_id": location_id})
