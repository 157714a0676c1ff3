"""Apply one batch of parsed import rows: set-based SQL, one transaction per batch.

The batch is copied into a temporary staging table (binary COPY), codes are resolved by
join, and the levels that differ from the file are written by statements that also append
their ledger rows, so a level never changes without its movement.

Levels are compared with the file first, without locks; equal ones are left alone
(unchanged as of that snapshot is a correct outcome). The rest, ``import_todo``, are
written by the stock gate (``ledger.imports``), which explains how it stays exact under
concurrent writers.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import msgspec
from sqlalchemy import CursorResult, text
from sqlalchemy.ext.asyncio import AsyncSession

from oms.inventory.ledger.imports import write_counts
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
            changed = await write_counts(session, import_id, actor, todo)
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
