"""Resolve public codes (location code, SKU codes) to rows, for every feature."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from oms.db.models import Location, Sku
from oms.domain.errors import NotFound


async def location_by_code(
    session: AsyncSession, code: str, *, active_only: bool = True
) -> Location:
    """The location with this code; NotFound if none, or inactive unless ``active_only=False``."""
    location = await session.scalar(select(Location).where(Location.code == code))
    if location is None or (active_only and not location.active):
        raise NotFound(f"location {code!r} not found", location=code)
    return location


async def sku_ids_by_code(session: AsyncSession, codes: Iterable[str]) -> dict[str, int]:
    """Map every code to its SKU id, or raise listing each unknown (or inactive) code."""
    wanted = set(codes)
    rows = await session.execute(
        select(Sku.code, Sku.id).where(Sku.code.in_(wanted), Sku.active.is_(True))
    )
    found: dict[str, int] = dict(rows.all())
    missing = sorted(wanted - found.keys())
    if missing:
        raise NotFound(f"unknown SKU(s): {', '.join(missing)}", skus=missing)
    return found
