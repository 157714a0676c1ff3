"""Safety stock: a selling buffer per level, so it changes what a level can sell.

It changes neither ``on_hand`` nor ``reserved``, so it writes no ledger row; one upsert
keeps it safe against a concurrent first receipt creating the same level.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from oms.inventory.ledger.sql import sellable_changed

_SET_SAFETY_STOCK = text(
    f"""
    WITH level AS (
        INSERT INTO inventory_level AS l (sku_id, location_id, safety_stock)
        VALUES (:sku_id, :location_id, :safety_stock)
        ON CONFLICT (sku_id, location_id) DO UPDATE
           SET safety_stock = EXCLUDED.safety_stock, updated_at = now()
        RETURNING sku_id, location_id, on_hand, reserved, safety_stock, needs_count
    ){sellable_changed("level")}
    SELECT on_hand, reserved, safety_stock, needs_count FROM level
    """
)


@dataclass(frozen=True, slots=True)
class LevelSettings:
    on_hand: int
    reserved: int
    safety_stock: int
    needs_count: bool


async def set_safety_stock(
    session: AsyncSession, sku_id: int, location_id: int, safety_stock: int
) -> LevelSettings:
    """Set one level's safety stock, creating the level (with nothing on hand) if new."""
    params = {"sku_id": sku_id, "location_id": location_id, "safety_stock": safety_stock}
    row = (await session.execute(_SET_SAFETY_STOCK, params)).one()
    return LevelSettings(row.on_hand, row.reserved, row.safety_stock, row.needs_count)


async def set_safety_stocks(session: AsyncSession, levels: Iterable[tuple[int, int, int]]) -> None:
    """``set_safety_stock`` for many (sku id, location id, safety stock) in one batch."""
    params = [{"sku_id": s, "location_id": loc, "safety_stock": q} for s, loc, q in levels]
    if params:
        await session.execute(_SET_SAFETY_STOCK, params)
