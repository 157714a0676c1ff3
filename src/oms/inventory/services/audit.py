"""Ledger audit: replay every movement and compare with the stored levels.

The invariant: for each (sku, location), the sums of the ledger's deltas equal the level's
on_hand and reserved exactly, and reserved equals what active holds hold there.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from oms.schemas import Output

_LEDGER_MISMATCHES = text(
    """
    WITH ledger AS (
        SELECT sku_id, location_id,
               sum(delta_on_hand)::bigint AS on_hand, sum(delta_reserved)::bigint AS reserved
          FROM stock_movement GROUP BY sku_id, location_id
    )
    SELECT s.code AS sku, loc.code AS location,
           coalesce(l.on_hand, 0) AS level_on_hand, coalesce(m.on_hand, 0) AS ledger_on_hand,
           coalesce(l.reserved, 0) AS level_reserved, coalesce(m.reserved, 0) AS ledger_reserved
      FROM inventory_level l
      FULL JOIN ledger m ON m.sku_id = l.sku_id AND m.location_id = l.location_id
      JOIN sku s ON s.id = coalesce(l.sku_id, m.sku_id)
      JOIN location loc ON loc.id = coalesce(l.location_id, m.location_id)
     WHERE coalesce(l.on_hand, 0) <> coalesce(m.on_hand, 0)
        OR coalesce(l.reserved, 0) <> coalesce(m.reserved, 0)
     ORDER BY loc.code, s.code
     LIMIT :limit
    """
)
_HOLD_MISMATCHES = text(
    """
    WITH held AS (
        SELECT hl.sku_id, hl.location_id, sum(hl.quantity)::bigint AS quantity
          FROM hold_line hl JOIN hold h ON h.id = hl.hold_id
         WHERE h.status = 'active'
         GROUP BY hl.sku_id, hl.location_id
    )
    SELECT s.code AS sku, loc.code AS location, l.reserved, coalesce(h.quantity, 0) AS held
      FROM inventory_level l
      LEFT JOIN held h ON h.sku_id = l.sku_id AND h.location_id = l.location_id
      JOIN sku s ON s.id = l.sku_id
      JOIN location loc ON loc.id = l.location_id
     WHERE l.reserved <> coalesce(h.quantity, 0)
     ORDER BY loc.code, s.code
     LIMIT :limit
    """
)
_COUNTS = text(
    """
    SELECT (SELECT count(*) FROM inventory_level) AS levels,
           (SELECT count(*) FROM stock_movement) AS movements,
           (SELECT count(*) FROM inventory_level WHERE reserved > on_hand) AS over_committed,
           (SELECT count(*) FROM inventory_level WHERE needs_count) AS needs_count
    """
)


class LedgerMismatch(Output, frozen=True):
    sku: str
    location: str
    level_on_hand: int
    ledger_on_hand: int
    level_reserved: int
    ledger_reserved: int


class HoldMismatch(Output, frozen=True):
    sku: str
    location: str
    reserved: int
    held: int


class AuditReport(Output, frozen=True):
    ok: bool
    levels: int
    movements: int
    ledger_mismatches: list[LedgerMismatch]
    hold_mismatches: list[HoldMismatch]
    # Not errors: shelves counted below what is promised, and shelves sold below zero.
    over_committed_levels: int
    levels_needing_count: int


async def run_audit(session: AsyncSession, limit: int = 100) -> AuditReport:
    """Compare levels with the ledger and the holds in one snapshot; first in its transaction."""
    # One snapshot for all three queries, so concurrent writes cannot fake a mismatch.
    await session.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"))
    ledger = (await session.execute(_LEDGER_MISMATCHES, {"limit": limit})).mappings().all()
    held = (await session.execute(_HOLD_MISMATCHES, {"limit": limit})).mappings().all()
    counts = (await session.execute(_COUNTS)).one()
    return AuditReport(
        ok=not ledger and not held,
        levels=counts.levels,
        movements=counts.movements,
        ledger_mismatches=[LedgerMismatch(**row) for row in ledger],
        hold_mismatches=[HoldMismatch(**row) for row in held],
        over_committed_levels=counts.over_committed,
        levels_needing_count=counts.needs_count,
    )
