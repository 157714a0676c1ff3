"""Ledger audit: replay every movement and compare with the stored levels.

The invariant: for each (sku, location), the sums of the ledger's deltas equal the level's
on_hand and reserved exactly, and reserved equals what active holds hold there.
"""

from __future__ import annotations

from sqlalchemy import RowMapping, text
from sqlalchemy.ext.asyncio import AsyncSession

from oms.domain.cursors import decode_cursor, encode_cursor
from oms.schemas import Output

# Below every (location code, SKU code): codes are never empty. The queries order codes
# by "C" collation (code points), as Python compares the keys that cut a page.
_BEFORE_EVERY_LEVEL = ("", "")

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
     WHERE (coalesce(l.on_hand, 0) <> coalesce(m.on_hand, 0)
            OR coalesce(l.reserved, 0) <> coalesce(m.reserved, 0))
       AND (loc.code COLLATE "C", s.code COLLATE "C") > (:after_location, :after_sku)
     ORDER BY loc.code COLLATE "C", s.code COLLATE "C"
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
       AND (loc.code COLLATE "C", s.code COLLATE "C") > (:after_location, :after_sku)
     ORDER BY loc.code COLLATE "C", s.code COLLATE "C"
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
    # Of the whole ledger, whichever page this is.
    ok: bool
    levels: int
    movements: int
    ledger_mismatches: list[LedgerMismatch]
    hold_mismatches: list[HoldMismatch]
    # Not errors: shelves counted below what is promised, and shelves sold below zero.
    over_committed_levels: int
    levels_needing_count: int
    # Both lists page together, in (location, SKU) order: pass it as ``cursor`` for the
    # mismatches after this page's; null on the last page.
    next_cursor: str | None = None


async def run_audit(
    session: AsyncSession, limit: int = 100, cursor: str | None = None
) -> AuditReport:
    """At most ``limit`` mismatches of each kind, from after ``cursor``'s level."""
    # One snapshot for every query, so concurrent writes cannot fake a mismatch.
    await session.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"))
    after = decode_cursor(cursor, str, str) if cursor is not None else _BEFORE_EVERY_LEVEL
    ledger, held, until = await _mismatches(session, limit, after)
    if cursor is None:
        ok = not ledger and not held
    else:
        first_ledger, first_held, _ = await _mismatches(session, 1, _BEFORE_EVERY_LEVEL)
        ok = not first_ledger and not first_held
    counts = (await session.execute(_COUNTS)).one()
    return AuditReport(
        ok=ok,
        levels=counts.levels,
        movements=counts.movements,
        ledger_mismatches=[LedgerMismatch(**row) for row in ledger],
        hold_mismatches=[HoldMismatch(**row) for row in held],
        over_committed_levels=counts.over_committed,
        levels_needing_count=counts.needs_count,
        next_cursor=encode_cursor(*until) if until is not None else None,
    )


async def _mismatches(
    session: AsyncSession, limit: int, after: tuple[str, str]
) -> tuple[list[RowMapping], list[RowMapping], tuple[str, str] | None]:
    """Both kinds of mismatch after the (location, SKU) key ``after``, up to the key where
    the fuller list stops, so neither list holds more than ``limit`` and the next page,
    from that key on, misses neither kind; that key too, when there is a next page."""
    params = {"limit": limit + 1, "after_location": after[0], "after_sku": after[1]}
    ledger = list((await session.execute(_LEDGER_MISMATCHES, params)).mappings())
    held = list((await session.execute(_HOLD_MISMATCHES, params)).mappings())
    cut_keys = [
        (rows[limit - 1]["location"], rows[limit - 1]["sku"])
        for rows in (ledger, held)
        if len(rows) > limit
    ]
    if not cut_keys:
        return ledger, held, None
    until = min(cut_keys)
    return (
        [row for row in ledger if (row["location"], row["sku"]) <= until],
        [row for row in held if (row["location"], row["sku"]) <= until],
        until,
    )
