"""Holds: reserve units of one or more SKUs at a location, all lines or none.

Each line is one conditional UPDATE, written by the stock gate (``ledger.holds``), taken in
SKU-id order so two holds over the same SKUs never deadlock. A short line raises
``InsufficientStock`` and the request's transaction rolls every earlier line back.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from oms.db.models import Hold, HoldLine, Location, Sku
from oms.domain.access import Action, Principal, require_at, require_visible, sees_hold
from oms.domain.errors import InvalidInput, InvalidState, NotFound
from oms.domain.stock import MAX_QUANTITY, available, insufficient_stock, merge_lines
from oms.inventory.ledger.holds import RESERVE_HOLD_LINE
from oms.inventory.ledger.writers import Source, current_level, unreserve
from oms.inventory.schemas import HoldIn, HoldLineOut, HoldOut

# Codes to ids for the whole request in one round trip (no ORM objects on the hot path).
_RESOLVE_CODES = text(
    """
    SELECT 'location' AS kind, id, code FROM location WHERE code = :location AND active
    UNION ALL
    SELECT 'sku', id, code FROM sku WHERE code = ANY(:skus) AND active
    """
)

_CLOSE_HOLD = text(
    """
    UPDATE hold SET status = :status, closed_at = now()
     WHERE id = :id AND status = 'active'
    RETURNING closed_at
    """
)
_CLOSE_EXPIRED = text(
    """
    UPDATE hold SET status = 'expired', closed_at = now()
     WHERE id IN (
        SELECT id FROM hold
         WHERE status = 'active' AND expires_at <= now()
         ORDER BY expires_at LIMIT :limit
         FOR UPDATE SKIP LOCKED)
    RETURNING id
    """
)


async def create_hold(session: AsyncSession, principal: Principal, data: HoldIn) -> HoldOut:
    # Core statements on the session's connection: the ORM execute path costs CPU per
    # statement and this is the hottest route.
    """Reserve every line at the location in one hold, all or nothing. NotFound for an unknown
    location or SKU, Forbidden outside the caller's scope, InsufficientStock naming each
    short line (the caller's transaction rolls back the lines already reserved)."""
    conn = await session.connection()
    location_id, sku_ids = await _resolve(conn, data)
    require_at(principal, Action.HOLD, location_id, data.location)
    lines = merge_lines((sku_ids[line.sku], line.quantity) for line in data.lines)
    if any(quantity > MAX_QUANTITY for _, quantity in lines):
        raise InvalidInput(f"at most {MAX_QUANTITY} units of one SKU per hold")
    hold_id = uuid.uuid4()
    expires_at = (
        datetime.now(UTC) + timedelta(seconds=data.expires_in_seconds)
        if data.expires_in_seconds
        else None
    )
    created_at = None
    for index, (sku_id, quantity) in enumerate(lines):
        row = (
            await conn.execute(
                RESERVE_HOLD_LINE,
                {
                    "sku_id": sku_id,
                    "location_id": location_id,
                    "quantity": quantity,
                    "hold_id": hold_id,
                    "ref_id": str(hold_id),
                    "actor": principal.actor,
                    "reference": data.reference,
                    "expires_at": expires_at,
                    "first_line": index == 0,
                },
            )
        ).one()
        if not row.reserved:
            # Earlier lines were reserved by this very transaction, so their levels now
            # look short; only this line and the ones not yet tried can be.
            await _raise_insufficient(session, data.location, location_id, sku_ids, lines[index:])
        created_at = created_at or row.created_at
    code_of = {sku_id: code for code, sku_id in sku_ids.items()}
    assert created_at is not None
    return HoldOut(
        id=hold_id,
        location=data.location,
        status="active",
        lines=[HoldLineOut(sku=code_of[s], quantity=q) for s, q in lines],
        reference=data.reference,
        expires_at=expires_at,
        created_at=created_at,
        closed_at=None,
    )


async def _resolve(conn: AsyncConnection, data: HoldIn) -> tuple[int, dict[str, int]]:
    """The location's id and every SKU's id, or NotFound naming what is unknown."""
    wanted = {line.sku for line in data.lines}
    rows = (
        await conn.execute(_RESOLVE_CODES, {"location": data.location, "skus": list(wanted)})
    ).all()
    location_id = next((row.id for row in rows if row.kind == "location"), None)
    if location_id is None:
        raise NotFound(f"location {data.location!r} not found", location=data.location)
    sku_ids = {row.code: row.id for row in rows if row.kind == "sku"}
    missing = sorted(wanted - sku_ids.keys())
    if missing:
        raise NotFound(f"unknown SKU(s): {', '.join(missing)}", skus=missing)
    return location_id, sku_ids


async def _raise_insufficient(
    session: AsyncSession,
    location_code: str,
    location_id: int,
    sku_ids: dict[str, int],
    lines: Sequence[tuple[int, int]],
) -> None:
    """Explain every short line (the caller's transaction rolls the hold back)."""
    code_of = {sku_id: code for code, sku_id in sku_ids.items()}
    checked = []
    for sku_id, quantity in lines:
        level = await current_level(session, sku_id, location_id)
        free = available(level.on_hand, level.reserved, level.safety_stock) if level else 0
        checked.append((code_of[sku_id], quantity, free))
    raise insufficient_stock(location_code, checked)


async def get_hold(session: AsyncSession, principal: Principal, hold_id: uuid.UUID) -> HoldOut:
    """The hold with its lines; NotFound for one the caller may not see (as for a missing one)."""
    hold = await _visible_hold(session, principal, hold_id)
    return await _hold_out(session, hold)


async def release_hold(session: AsyncSession, principal: Principal, hold_id: uuid.UUID) -> HoldOut:
    """The hold, released: its units go back to the shelf. NotFound as ``get_hold``;
    InvalidState for an order's hold (cancel the order instead) or one no longer active."""
    hold = await _visible_hold(session, principal, hold_id)
    if hold.purpose == "order":
        # Its units belong to an order's fulfilment: released by cancelling that instead.
        raise InvalidState("this hold belongs to an order; cancel the order or its lines")
    location = await session.get_one(Location, hold.location_id)
    require_at(principal, Action.HOLD, location.id, location.code)
    closed = (await session.execute(_CLOSE_HOLD, {"id": hold_id, "status": "released"})).first()
    if closed is None:
        await session.refresh(hold)
        raise InvalidState(f"hold is already {hold.status}", status=hold.status)
    await _give_back(session, [hold_id], principal.actor, reason=None)
    await session.refresh(hold)
    return await _hold_out(session, hold)


async def release_expired_holds(session: AsyncSession, limit: int) -> int:
    """Release up to ``limit`` expired holds; concurrent sweepers skip each other's rows."""
    ids = list((await session.scalars(_CLOSE_EXPIRED, {"limit": limit})).all())
    if ids:
        await _give_back(session, ids, actor="system:hold-expiry", reason="expired")
    return len(ids)


async def _give_back(
    session: AsyncSession, hold_ids: list[uuid.UUID], actor: str, reason: str | None
) -> None:
    lines = await session.execute(
        select(HoldLine.hold_id, HoldLine.sku_id, HoldLine.location_id, HoldLine.quantity)
        .where(HoldLine.hold_id.in_(hold_ids))
        .order_by(HoldLine.location_id, HoldLine.sku_id)
    )
    for line in lines.all():
        source = Source("hold", str(line.hold_id), actor, reason=reason)
        level = await unreserve(session, line.sku_id, line.location_id, line.quantity, source)
        if level is None:  # the CHECK on reserved would make this a bug, not a user error
            raise RuntimeError(f"hold {line.hold_id} held more than is reserved")


async def _visible_hold(session: AsyncSession, principal: Principal, hold_id: uuid.UUID) -> Hold:
    hold = await session.get(Hold, hold_id)
    if hold is None:
        raise NotFound("hold not found")
    require_visible(principal, hold.location_id, "hold")
    if not sees_hold(principal, placed_by=hold.actor):
        raise NotFound("hold not found")
    return hold


async def _hold_out(session: AsyncSession, hold: Hold) -> HoldOut:
    location_code = await session.scalar(
        select(Location.code).where(Location.id == hold.location_id)
    )
    rows = await session.execute(
        select(Sku.code, HoldLine.quantity)
        .join(Sku, Sku.id == HoldLine.sku_id)
        .where(HoldLine.hold_id == hold.id)
        .order_by(Sku.code)
    )
    return HoldOut(
        id=hold.id,
        location=location_code or "",
        status=hold.status,  # type: ignore[arg-type]
        lines=[HoldLineOut(sku=code, quantity=q) for code, q in rows],
        reference=hold.reference,
        expires_at=hold.expires_at,
        created_at=hold.created_at,
        closed_at=hold.closed_at,
    )
