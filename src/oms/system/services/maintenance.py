"""Housekeeping run by periodic jobs."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

_PURGE_IDEMPOTENCY_KEYS = text(
    "DELETE FROM idempotency_key WHERE created_at < now() - make_interval(hours => :h)"
)


async def purge_idempotency_keys(session: AsyncSession, older_than_hours: int) -> int:
    """Delete idempotency keys older than ``older_than_hours``; returns how many."""
    result = await session.execute(_PURGE_IDEMPOTENCY_KEYS, {"h": older_than_hours})
    return int(result.rowcount)  # type: ignore[attr-defined]
