"""Bulk stock import: absolute on_hand (and safety_stock) counts from CSV or JSON lines.

The file is parsed as it streams in and applied in batches, each batch its own
transaction. A failure part-way leaves the earlier batches applied, and that is safe:
the counts are absolute, so running the same file again finishes the job and changes
nothing that is already right. Each run is recorded in ``stock_import`` with its counts
and its first ``MAX_ERRORS`` row errors, committed together with every batch.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Literal

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from oms.domain.access import Action, Principal, require
from oms.domain.errors import InvalidInput, NotFound
from oms.inventory.services.import_apply import apply_batch
from oms.inventory.services.import_parse import FORMATS, ErrorCode, parse_stream
from oms.schemas import Output

# Rows per transaction: large enough that per-batch overhead vanishes, small enough that
# the level locks a batch holds are released within about a second.
BATCH_ROWS = 20_000
MAX_ERRORS = 1000
# Request media types and the format each one carries.
MEDIA_TYPES = {
    "text/csv": "csv",
    "application/x-ndjson": "jsonl",
    "application/jsonl": "jsonl",
}
# Lock timeouts and deadlocks abort a batch's transaction, not the import: retry it.
_RETRY_SQLSTATES = frozenset({"55P03", "40P01"})
_BATCH_ATTEMPTS = 3


class ImportRowError(Output, frozen=True):
    line: int
    code: ErrorCode
    message: str


class ImportSummary(Output, frozen=True):
    id: uuid.UUID
    status: Literal["running", "completed", "failed"]
    format: str
    total: int
    changed: int
    unchanged: int
    failed: int
    errors: list[ImportRowError]
    # True when more rows failed than ``errors`` lists.
    errors_truncated: bool
    actor: str
    created_at: datetime
    finished_at: datetime | None


_INSERT_RUN = text(
    """
    INSERT INTO stock_import (id, status, format, rows_total, rows_changed, rows_unchanged,
                              rows_failed, errors, actor)
    VALUES (:id, 'running', :format, 0, 0, 0, 0, '[]', :actor)
    """
)
_FINISH_RUN = text("UPDATE stock_import SET status = :status, finished_at = now() WHERE id = :id")
_READ_RUN = text(
    """
    SELECT id, status, format, rows_total, rows_changed, rows_unchanged, rows_failed,
           errors, actor, created_at, finished_at
      FROM stock_import WHERE id = :id
    """
).columns(errors=JSONB)


def format_for_media_type(media_type: str) -> str:
    """The import format for a Content-Type (parameters ignored); InvalidInput if none."""
    fmt = MEDIA_TYPES.get(media_type.split(";", 1)[0].strip().lower())
    if fmt is None:
        raise InvalidInput(f"no import format for {media_type!r}")
    return fmt


async def import_for(
    sessionmaker: async_sessionmaker[AsyncSession],
    principal: Principal,
    chunks: AsyncIterator[bytes],
    fmt: str,
) -> ImportSummary:
    """Import the stream as this token (IMPORT_STOCK needed); the run's summary."""
    require(principal, Action.IMPORT_STOCK)
    return await import_stream(sessionmaker, chunks, fmt, principal.actor)


async def import_stream(
    sessionmaker: async_sessionmaker[AsyncSession],
    chunks: AsyncIterator[bytes],
    fmt: str,
    actor: str,
    *,
    batch_rows: int = BATCH_ROWS,
) -> ImportSummary:
    """Import a whole stream; each batch commits on its own (see the module docstring)."""
    if fmt not in FORMATS:
        raise InvalidInput(f"unknown import format {fmt!r}; use one of {', '.join(FORMATS)}")
    import_id = uuid.uuid4()
    async with sessionmaker() as session, session.begin():
        await session.execute(_INSERT_RUN, {"id": import_id, "format": fmt, "actor": actor})
    kept = 0
    try:
        async for batch in parse_stream(chunks, fmt, batch_rows):
            for attempt in range(1, _BATCH_ATTEMPTS + 1):
                try:
                    async with sessionmaker() as session, session.begin():
                        result = await apply_batch(
                            session, import_id, actor, batch, MAX_ERRORS - kept
                        )
                    break
                except DBAPIError as exc:
                    sqlstate = getattr(exc.orig, "sqlstate", None)
                    if sqlstate not in _RETRY_SQLSTATES or attempt == _BATCH_ATTEMPTS:
                        raise
                    await asyncio.sleep(0.2 * attempt)
            kept += len(result.kept_errors)
    except BaseException:
        # Record the failure even when the request is being cancelled; then re-raise.
        with contextlib.suppress(Exception):
            await asyncio.shield(_finish(sessionmaker, import_id, "failed"))
        raise
    await _finish(sessionmaker, import_id, "completed")
    async with sessionmaker() as session:
        return await _read(session, import_id)


async def _finish(
    sessionmaker: async_sessionmaker[AsyncSession], import_id: uuid.UUID, status: str
) -> None:
    async with sessionmaker() as session, session.begin():
        await session.execute(_FINISH_RUN, {"id": import_id, "status": status})


async def get_import(
    session: AsyncSession, principal: Principal, import_id: uuid.UUID
) -> ImportSummary:
    """An import run's summary (IMPORT_STOCK needed); NotFound if there is none."""
    require(principal, Action.IMPORT_STOCK)
    return await _read(session, import_id)


async def _read(session: AsyncSession, import_id: uuid.UUID) -> ImportSummary:
    row = (await session.execute(_READ_RUN, {"id": import_id})).first()
    if row is None:
        raise NotFound("import not found")
    return ImportSummary(
        id=row.id,
        status=row.status,
        format=row.format,
        total=row.rows_total,
        changed=row.rows_changed,
        unchanged=row.rows_unchanged,
        failed=row.rows_failed,
        errors=[ImportRowError(**e) for e in row.errors],
        errors_truncated=row.rows_failed > len(row.errors),
        actor=row.actor,
        created_at=row.created_at,
        finished_at=row.finished_at,
    )
