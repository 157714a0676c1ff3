"""Apply one batch of parsed import rows: set-based SQL, one transaction per batch.

The batch is copied into a temporary staging table (binary COPY), codes are resolved by
join, and the levels that differ from the file are written by statements that also append
their ledger rows, so a level never changes without its movement (the rule ``ledger``
keeps for single rows).

Concurrency. Levels are compared with the file first, without locks; equal ones are left
alone (unchanged as of that snapshot is a correct outcome). The rest are written by one
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
from dataclasses import dataclass

import msgspec
from sqlalchemy import CursorResult, text
from sqlalchemy.ext.asyncio import AsyncSession

from oms.inventory.services.import_parse import Batch, RowError, shown

_STAGE_COLUMNS = ("line", "sku", "location", "on_hand", "safety_stock")
_CREATE_STAGE = text(
    """
    CREATE TEMP TABLE import_stage (
        line integer NOT NULL, sku text NOT NULL, location text NOT NULL,
        on_hand integer NOT NULL, safety_stock integer
    ) ON COMMIT DROP
    """
)
# Unknown (or inactive) codes, reported per line. Inactive rows are refused like unknown
# ones, as everywhere else codes are resolved.
_UNRESOLVED = text(
    """
    SELECT st.line, st.sku, st.location, k.id IS NULL AS no_sku, loc.id IS NULL AS no_location
      FROM import_stage st
      LEFT JOIN sku k ON k.code = st.sku AND k.active
      LEFT JOIN location loc ON loc.code = st.location AND loc.active
     WHERE k.id IS NULL OR loc.id IS NULL
    """
)
# What the batch would change: one row per level (of several rows for the same level the
# last line wins) with the level's values as of now, minus levels that already hold the
# counts. A missing level counts as zero: a row of zeros does not create it. LIMIT 1 keeps
# the level a per-row index lookup; as a plain join the planner may hash the whole table.
_CREATE_TODO = text(
    """
    CREATE TEMP TABLE import_todo ON COMMIT DROP AS
    SELECT d.*, cur.on_hand AS old_on_hand, cur.safety_stock AS old_safety_stock FROM (
        SELECT DISTINCT ON (loc.id, k.id)
               k.id AS sku_id, loc.id AS location_id, st.on_hand, st.safety_stock
          FROM import_stage st
          JOIN sku k ON k.code = st.sku AND k.active
          JOIN location loc ON loc.code = st.location AND loc.active
         ORDER BY loc.id, k.id, st.line DESC
    ) d
    LEFT JOIN LATERAL (
        SELECT on_hand, safety_stock FROM inventory_level
         WHERE sku_id = d.sku_id AND location_id = d.location_id LIMIT 1
    ) cur ON true
    WHERE coalesce(cur.on_hand, 0) <> d.on_hand
       OR coalesce(cur.safety_stock, 0) <> coalesce(d.safety_stock, cur.safety_stock, 0)
    """
)
_INDEX_TODO = text("CREATE UNIQUE INDEX ON import_todo (sku_id, location_id)")
# New levels are created with their counts; existing ones are updated where they still
# hold what was compared (every conflicting row is locked either way).
_UPSERT = text(
    """
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
    )
    SELECT count(*) FROM changed
    """
)
# The rows changed by someone else between the comparison and the lock (rare): ``o`` is
# the locked row before this statement, so ``t.on_hand - o.on_hand`` is the delta. Rows
# written above already hold the file's values and do not match.
_UPDATE_LOCKED = text(
    """
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
    )
    SELECT count(*) FROM changed
    """
)
_RECORD_PROGRESS = text(
    """
    UPDATE stock_import
       SET rows_total = rows_total + :total, rows_changed = rows_changed + :changed,
           rows_unchanged = rows_unchanged + :unchanged, rows_failed = rows_failed + :failed,
           errors = errors || CAST(:errors AS jsonb)
     WHERE id = :id
    """
)


@dataclass(frozen=True, slots=True)
class BatchResult:
    total: int
    changed: int
    unchanged: int
    failed: int
    kept_errors: list[RowError]  # the batch's first errors, as many as there was room for


def _unresolved_error(line: int, sku: str, location: str, no_sku: bool, no_loc: bool) -> RowError:
    if no_sku:
        also = f" (and location {shown(location)})" if no_loc else ""
        return RowError(line, "unknown_sku", f"unknown or inactive SKU {shown(sku)}{also}")
    return RowError(line, "unknown_location", f"unknown or inactive location {shown(location)}")


async def apply_batch(
    session: AsyncSession, import_id: uuid.UUID, actor: str, batch: Batch, error_room: int
) -> BatchResult:
    """Apply ``batch`` inside the caller's transaction and add it to the import's record."""
    resolved = changed = 0
    errors = list(batch.errors)
    if batch.rows:
        # These statements are planned per batch and run once: compiling them is wasted.
        await session.execute(text("SET LOCAL jit = off"))
        await session.execute(_CREATE_STAGE)
        raw = await (await session.connection()).get_raw_connection()
        await raw.driver_connection.copy_records_to_table(  # type: ignore[union-attr]
            "import_stage", records=batch.rows, columns=_STAGE_COLUMNS
        )
        unresolved = (await session.execute(_UNRESOLVED)).all()
        errors.extend(_unresolved_error(*row) for row in unresolved)
        resolved = len(batch.rows) - len(unresolved)
        todo = 0
        if resolved:
            created = await session.execute(_CREATE_TODO)
            todo = created.rowcount if isinstance(created, CursorResult) else -1
        if todo:
            await session.execute(_INDEX_TODO)
            await session.execute(text("ANALYZE import_todo"))
            params = {"ref_id": str(import_id), "actor": actor}
            changed = (await session.scalar(_UPSERT, params)) or 0
            if changed < todo or todo < 0:  # someone changed a level since the comparison
                changed += (await session.scalar(_UPDATE_LOCKED, params)) or 0
    errors.sort(key=lambda e: e.line)
    kept = errors[: max(error_room, 0)]
    result = BatchResult(
        total=len(batch),
        changed=changed,
        unchanged=resolved - changed,
        failed=len(errors),
        kept_errors=kept,
    )
    await session.execute(
        _RECORD_PROGRESS,
        {
            "id": import_id,
            "total": result.total,
            "changed": result.changed,
            "unchanged": result.unchanged,
            "failed": result.failed,
            "errors": msgspec.json.encode(kept).decode(),
        },
    )
    return result
