"""Stock levels and the ledger as a location sees them: safety stock, level and movement lists.

Full level rows and ledger entries are location detail: a store's tokens see their own
stores only (another store's records answer 404, as if absent). Network availability for
everybody lives in ``lookup``.
"""

from __future__ import annotations

from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from oms.catalogue.services.refs import location_by_code, sku_ids_by_code
from oms.db.models import InventoryLevel, Location, Sku, StockMovement
from oms.domain.access import Action, Principal, require, require_at, require_visible
from oms.domain.cursors import decode_cursor, encode_cursor
from oms.domain.errors import InvalidInput, NotFound
from oms.domain.stock import MovementKind, available
from oms.inventory.ledger import safety_stock as ledger_safety_stock
from oms.inventory.schemas import (
    LevelOut,
    LevelPage,
    MovementOut,
    MovementPage,
    SafetyStockIn,
)


async def set_safety_stock(
    session: AsyncSession,
    principal: Principal,
    location_code: str,
    sku_code: str,
    data: SafetyStockIn,
) -> LevelOut:
    """The level after setting its safety stock (created, with nothing on hand, if new).
    NotFound for an unknown location or SKU, Forbidden outside the caller's scope."""
    location = await location_by_code(session, location_code)
    require_at(principal, Action.SET_SAFETY_STOCK, location.id, location.code)
    sku_id = (await sku_ids_by_code(session, [sku_code]))[sku_code]
    row = await ledger_safety_stock.set_safety_stock(
        session, sku_id, location.id, data.safety_stock
    )
    return LevelOut(
        sku=sku_code,
        location=location.code,
        on_hand=row.on_hand,
        reserved=row.reserved,
        safety_stock=row.safety_stock,
        available=available(row.on_hand, row.reserved, row.safety_stock),
        needs_count=row.needs_count,
    )


async def _scope(
    session: AsyncSession, principal: Principal, location_code: str | None, what: str
) -> list[int] | None:
    """Location ids the caller may read (None: all), narrowed to ``location_code`` if given."""
    require(principal, Action.READ_LOCATION_DETAIL)
    if location_code is not None:
        # History outlives a store's closing, so inactive locations stay readable.
        location = await location_by_code(session, location_code, active_only=False)
        require_visible(principal, location.id, what)
        return [location.id]
    return sorted(principal.location_ids) if principal.is_scoped else None


async def _any_sku_id(session: AsyncSession, code: str) -> int:
    """Inactive SKUs keep their levels and history, so reads resolve them too."""
    sku_id = await session.scalar(select(Sku.id).where(Sku.code == code))
    if sku_id is None:
        raise NotFound(f"unknown SKU(s): {code}", skus=[code])
    return sku_id


async def list_levels(
    session: AsyncSession,
    principal: Principal,
    *,
    location: str | None,
    sku: str | None,
    needs_count: bool | None,
    limit: int,
    cursor: str | None,
) -> LevelPage:
    """Levels in primary-key order (sku, location), so each page is one index range scan."""
    location_ids = await _scope(session, principal, location, "location")
    level = InventoryLevel
    query = (
        select(
            level.sku_id,
            level.location_id,
            level.on_hand,
            level.reserved,
            level.safety_stock,
            level.needs_count,
            Sku.code.label("sku_code"),
            Location.code.label("location_code"),
        )
        .join(Sku, Sku.id == InventoryLevel.sku_id)
        .join(Location, Location.id == InventoryLevel.location_id)
        .order_by(InventoryLevel.sku_id, InventoryLevel.location_id)
        .limit(limit + 1)
    )
    if location_ids is not None:
        query = query.where(InventoryLevel.location_id.in_(location_ids))
    if sku is not None:
        query = query.where(InventoryLevel.sku_id == await _any_sku_id(session, sku))
    if needs_count is not None:
        query = query.where(InventoryLevel.needs_count.is_(needs_count))
    if cursor is not None:
        query = query.where(
            tuple_(InventoryLevel.sku_id, InventoryLevel.location_id)
            > decode_cursor(cursor, int, int)
        )
    rows = (await session.execute(query)).all()
    page, more = rows[:limit], len(rows) > limit
    items = [
        LevelOut(
            sku=row.sku_code,
            location=row.location_code,
            on_hand=row.on_hand,
            reserved=row.reserved,
            safety_stock=row.safety_stock,
            available=available(row.on_hand, row.reserved, row.safety_stock),
            needs_count=row.needs_count,
        )
        for row in page
    ]
    last = page[-1] if more else None
    return LevelPage(
        items=items,
        next_cursor=encode_cursor(last.sku_id, last.location_id) if last is not None else None,
    )


async def list_movements(
    session: AsyncSession,
    principal: Principal,
    *,
    location: str | None,
    sku: str | None,
    kind: MovementKind | None,
    ref_type: str | None,
    ref_id: str | None,
    cursor: str | None,
    after_id: int | None,
    limit: int,
) -> MovementPage:
    """Ledger rows oldest first, in id order; ``next_cursor`` continues where this page
    stopped. ``after_id`` is the deprecated spelling of the same key."""
    if cursor is not None and after_id is not None:
        raise InvalidInput("pass cursor or after_id, not both")
    if cursor is not None:
        (after_id,) = decode_cursor(cursor, int)
    location_ids = await _scope(session, principal, location, "location")
    m = StockMovement
    query = (
        select(
            m.id,
            m.kind,
            m.delta_on_hand,
            m.delta_reserved,
            m.reason,
            m.ref_type,
            m.ref_id,
            m.actor,
            m.note,
            m.created_at,
            Sku.code.label("sku_code"),
            Location.code.label("location_code"),
        )
        .join(Sku, Sku.id == StockMovement.sku_id)
        .join(Location, Location.id == StockMovement.location_id)
        .order_by(StockMovement.id)
        .limit(limit + 1)
    )
    if location_ids is not None:
        query = query.where(StockMovement.location_id.in_(location_ids))
    if sku is not None:
        query = query.where(StockMovement.sku_id == await _any_sku_id(session, sku))
    if kind is not None:
        query = query.where(StockMovement.kind == kind.value)
    if ref_type is not None:
        query = query.where(StockMovement.ref_type == ref_type)
    if ref_id is not None:
        query = query.where(StockMovement.ref_id == ref_id)
    if after_id is not None:
        query = query.where(StockMovement.id > after_id)
    rows = (await session.execute(query)).all()
    page, more = rows[:limit], len(rows) > limit
    items = [
        MovementOut(
            id=row.id,
            sku=row.sku_code,
            location=row.location_code,
            kind=row.kind,
            delta_on_hand=row.delta_on_hand,
            delta_reserved=row.delta_reserved,
            reason=row.reason,
            ref_type=row.ref_type,
            ref_id=row.ref_id,
            actor=row.actor,
            note=row.note,
            created_at=row.created_at,
        )
        for row in page
    ]
    last_id = items[-1].id if more else None
    return MovementPage(
        items=items,
        next_cursor=encode_cursor(last_id) if last_id is not None else None,
        next_after_id=last_id,
    )
