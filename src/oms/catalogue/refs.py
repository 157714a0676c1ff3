"""Resolve public codes (location code, SKU code, barcode) to rows, for every feature."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from oms.db.models import Barcode, Location, Sku
from oms.domain import gtin
from oms.domain.errors import NotFound


async def location_by_code(
    session: AsyncSession, code: str, *, active_only: bool = True
) -> Location:
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


async def sku_by_code_or_barcode(session: AsyncSession, ref: str) -> Sku:
    sku = await session.scalar(select(Sku).where(Sku.code == ref))
    if sku is None and gtin.is_valid(ref):
        # A scanner may read the UPC-A of an item stored under its EAN-13 (and so on).
        spellings = gtin.equivalents(gtin.normalise(ref))
        sku = await session.scalar(
            select(Sku)
            .join(Barcode, Barcode.sku_id == Sku.id)
            .where(Barcode.gtin.in_(spellings))
            .limit(1)
        )
    if sku is None:
        raise NotFound(f"no SKU with code or barcode {ref!r}", sku=ref)
    return sku
