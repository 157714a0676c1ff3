"""Import counts: write the levels of one batch that differ from the file, with their
ledger rows (kind ``import``), set-based.

The batch is in the temporary table ``import_todo`` (``sku_id``, ``location_id``, the file's
``on_hand`` and ``safety_stock``, and ``old_on_hand`` / ``old_safety_stock`` as compared),
one row per level, with a unique index on (sku_id, location_id).

Concurrency. The caller compared levels with the file without locks and left the equal
ones alone (``services.import_apply``). The rest are written here by one
``INSERT ... ON CONFLICT DO UPDATE`` fed in (location_id, sku_id) order, so the batch takes
its row locks in the same global order as every other writer and cannot deadlock with
them. The update applies only where the locked row still holds the values compared
earlier, which makes ``new - compared`` the exact delta. A row another transaction changed
in between is still locked (PostgreSQL locks a conflicting row even when the update's
WHERE refuses it) and is then updated from its locked value by a second statement. Only
``on_hand`` / ``safety_stock`` are written: a reservation committed before the lock is
kept; one arriving later waits for the batch and then sees the new count. Nothing needs
``RETURNING OLD`` or ``MERGE ... RETURNING``, so PostgreSQL 15 works too.
"""

from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from oms.inventory.ledger.sql import sellable_changed

# New levels are created with their counts; existing ones are updated where they still
# hold what was compared (every conflicting row is locked either way).
_UPSERT = text(
    f"""
    WITH written AS (
        INSERT INTO inventory_level AS l (sku_id, location_id, on_hand, safety_stock)
        SELECT sku_id, location_id, on_hand, coalesce(safety_stock, old_safety_stock, 0)
          FROM import_todo ORDER BY location_id, sku_id
        ON CONFLICT (sku_id, location_id) DO UPDATE
           SET on_hand = EXCLUDED.on_hand, safety_stock = EXCLUDED.safety_stock,
               needs_count = l.needs_count AND l.on_hand = EXCLUDED.on_hand,
               updated_at = now()
         WHERE (l.on_hand, l.safety_stock) = (
               SELECT t.old_on_hand, t.old_safety_stock FROM import_todo t
                WHERE t.sku_id = l.sku_id AND t.location_id = l.location_id)
        RETURNING sku_id, location_id, on_hand
    ), changed AS (
        SELECT w.sku_id, w.location_id, w.on_hand - coalesce(t.old_on_hand, 0) AS delta
          FROM written w JOIN import_todo t USING (sku_id, location_id)
    ), movement AS (
        INSERT INTO stock_movement
            (sku_id, location_id, kind, delta_on_hand, delta_reserved, ref_type, ref_id, actor)
        SELECT sku_id, location_id, 'import', delta, 0, 'import', :ref_id, :actor
          FROM changed WHERE delta <> 0
    ){sellable_changed("changed")}
    SELECT count(*) FROM changed
    """
)
# The rows changed by someone else between the comparison and the lock (rare): ``o`` is
# the locked row before this statement, so ``t.on_hand - o.on_hand`` is the delta. Rows
# written above already hold the file's values and do not match.
_UPDATE_LOCKED = text(
    f"""
    WITH changed AS (
        UPDATE inventory_level l
           SET on_hand = t.on_hand,
               safety_stock = coalesce(t.safety_stock, o.safety_stock),
               needs_count = o.needs_count AND t.on_hand = o.on_hand,
               updated_at = now()
          FROM import_todo t
         CROSS JOIN LATERAL (
               SELECT on_hand, safety_stock, needs_count FROM inventory_level
                WHERE sku_id = t.sku_id AND location_id = t.location_id LIMIT 1) o
         WHERE l.sku_id = t.sku_id AND l.location_id = t.location_id
           AND (o.on_hand <> t.on_hand
                OR o.safety_stock <> coalesce(t.safety_stock, o.safety_stock))
        RETURNING l.sku_id, l.location_id, t.on_hand - o.on_hand AS delta
    ), movement AS (
        INSERT INTO stock_movement
            (sku_id, location_id, kind, delta_on_hand, delta_reserved, ref_type, ref_id, actor)
        SELECT sku_id, location_id, 'import', delta, 0, 'import', :ref_id, :actor
          FROM changed WHERE delta <> 0
    ){sellable_changed("changed")}
    SELECT count(*) FROM changed
    """
)


async def write_counts(session: AsyncSession, import_id: uuid.UUID, actor: str, todo: int) -> int:
    """Write ``import_todo`` (``todo`` rows, or -1 if unknown); returns the levels changed."""
    params = {"ref_id": str(import_id), "actor": actor}
    changed: int = (await session.scalar(_UPSERT, params)) or 0
    if changed < todo or todo < 0:  # someone changed a level since the comparison
        changed += (await session.scalar(_UPDATE_LOCKED, params)) or 0
    return changed
