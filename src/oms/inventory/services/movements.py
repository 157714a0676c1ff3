"""Stock documents: receipts, walk-in sales, damages, adjustments and cycle counts.

Every document touches one location. Its lines are applied through the ledger writers in
SKU-id order (the global lock order) and the request's transaction makes the document all
lines or none: a short line raises and the caller rolls every earlier line back.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NoReturn, Protocol

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from oms.catalogue.services.refs import location_by_code, sku_ids_by_code
from oms.db.models import Location
from oms.domain.access import Action, Principal, require_at
from oms.domain.errors import InvalidInput
from oms.domain.stock import MAX_QUANTITY, MovementKind, available, insufficient_stock, merge_lines
from oms.inventory.ledger.writers import Source, add_on_hand, set_on_hand, take_free_on_hand
from oms.inventory.schemas import (
    AdjustmentIn,
    CountIn,
    LevelOut,
    MovementResult,
    MovementResultLine,
    StockDocumentIn,
)

# stock_movement.ref_id is this wide; a longer reference cannot be recorded on the ledger.
MAX_REFERENCE_LENGTH = 64

_LEVELS = text(
    """
    SELECT sku_id, on_hand, reserved, safety_stock, needs_count FROM inventory_level
     WHERE location_id = :location_id AND sku_id = ANY(:sku_ids)
    """
)


@dataclass(frozen=True, slots=True)
class _Document:
    """What every document kind resolves its request into before touching stock."""

    location: Location
    code_of: dict[int, str]
    source: Source


class _DocumentIn(Protocol):
    """What every document request has: a location, SKU lines, an optional reference."""

    @property
    def location(self) -> str: ...
    @property
    def lines(self) -> Sequence[_LineIn]: ...
    @property
    def reference(self) -> str | None: ...
    @property
    def note(self) -> str | None: ...


class _LineIn(Protocol):
    @property
    def sku(self) -> str: ...


async def _open(
    session: AsyncSession,
    principal: Principal,
    action: Action,
    data: _DocumentIn,
    *,
    ref_type: str,
    ref_prefix: str,
    reason: str | None,
) -> _Document:
    location = await location_by_code(session, data.location)
    require_at(principal, action, location.id, location.code)
    if data.reference is not None and len(data.reference) > MAX_REFERENCE_LENGTH:
        raise InvalidInput(f"reference is longer than {MAX_REFERENCE_LENGTH} characters")
    sku_ids = await sku_ids_by_code(session, (line.sku for line in data.lines))
    source = Source(
        ref_type,
        data.reference or f"{ref_prefix}-{uuid.uuid4()}",
        principal.actor,
        reason=reason,
        note=data.note,
    )
    return _Document(location, {sku_id: code for code, sku_id in sku_ids.items()}, source)


def _merged(doc: _Document, lines: Iterable[tuple[str, int]]) -> list[tuple[int, int]]:
    sku_id_of = {code: sku_id for sku_id, code in doc.code_of.items()}
    merged = merge_lines((sku_id_of[sku], quantity) for sku, quantity in lines)
    if any(quantity > MAX_QUANTITY for _, quantity in merged):
        raise InvalidInput(f"at most {MAX_QUANTITY} units of one SKU per document")
    return merged


def _distinct(doc: _Document, lines: Sequence[tuple[str, int]]) -> list[tuple[int, int]]:
    """Counts and adjustments state one value per SKU: a repeated SKU is ambiguous."""
    repeated = sorted(sku for sku, times in Counter(sku for sku, _ in lines).items() if times > 1)
    if repeated:
        raise InvalidInput(f"SKU(s) listed more than once: {', '.join(repeated)}", skus=repeated)
    return _merged(doc, lines)


async def _result(
    session: AsyncSession, doc: _Document, kind: MovementKind, deltas: list[tuple[int, int]]
) -> MovementResult:
    """The levels as this transaction left them, in one read of the rows it already locked."""
    rows = await session.execute(
        _LEVELS, {"location_id": doc.location.id, "sku_ids": [sku_id for sku_id, _ in deltas]}
    )
    levels = {row.sku_id: row for row in rows}
    lines = []
    for sku_id, delta in deltas:
        level = levels[sku_id]
        lines.append(
            MovementResultLine(
                sku=doc.code_of[sku_id],
                delta_on_hand=delta,
                level=LevelOut(
                    sku=doc.code_of[sku_id],
                    location=doc.location.code,
                    on_hand=level.on_hand,
                    reserved=level.reserved,
                    safety_stock=level.safety_stock,
                    available=available(level.on_hand, level.reserved, level.safety_stock),
                    needs_count=level.needs_count,
                ),
            )
        )
    return MovementResult(
        kind=kind.value, location=doc.location.code, reference=doc.source.ref_id, lines=lines
    )


async def _take_all(
    session: AsyncSession, doc: _Document, kind: MovementKind, takes: list[tuple[int, int]]
) -> None:
    """Take unreserved units for every (sku_id, quantity), or explain every short line."""
    for index, (sku_id, quantity) in enumerate(takes):
        taken = await take_free_on_hand(
            session, sku_id, doc.location.id, quantity, kind, doc.source
        )
        if taken is None:
            await _raise_short(session, doc, takes, applied=takes[:index])


async def _raise_short(
    session: AsyncSession,
    doc: _Document,
    takes: list[tuple[int, int]],
    applied: list[tuple[int, int]],
) -> NoReturn:
    """Report availability as it was before this document (its earlier lines roll back)."""
    rows = await session.execute(
        _LEVELS, {"location_id": doc.location.id, "sku_ids": [sku_id for sku_id, _ in takes]}
    )
    unreserved = {row.sku_id: row.on_hand - row.reserved for row in rows}
    for sku_id, quantity in applied:
        unreserved[sku_id] += quantity
    raise insufficient_stock(
        doc.location.code,
        ((doc.code_of[sku_id], quantity, unreserved.get(sku_id, 0)) for sku_id, quantity in takes),
        unreserved=True,
    )


async def receive(
    session: AsyncSession, principal: Principal, data: StockDocumentIn
) -> MovementResult:
    """Add every line's units to on_hand at the location (ledger ``receipt``); never refused
    for stock. NotFound for an unknown location or SKU, Forbidden outside the caller's scope."""
    doc = await _open(
        session,
        principal,
        Action.RECEIVE,
        data,
        ref_type="receipt",
        ref_prefix="rcpt",
        reason=data.reason,
    )
    lines = _merged(doc, ((line.sku, line.quantity) for line in data.lines))
    for sku_id, quantity in lines:
        await add_on_hand(
            session, sku_id, doc.location.id, quantity, MovementKind.RECEIPT, doc.source
        )
    return await _result(session, doc, MovementKind.RECEIPT, lines)


async def sell(
    session: AsyncSession, principal: Principal, data: StockDocumentIn
) -> MovementResult:
    """A walk-in sale: the goods have already left, so the shelf may go below zero.

    Refusing would only make the books disagree with the till; instead the level is
    flagged for a count, which sets it right.
    """
    doc = await _open(
        session,
        principal,
        Action.SELL,
        data,
        ref_type="sale",
        ref_prefix="sale",
        reason=data.reason,
    )
    if "walk_in" not in doc.location.capabilities:
        raise InvalidInput(
            f"location {doc.location.code!r} does not sell to walk-in customers",
            location=doc.location.code,
        )
    lines = _merged(doc, ((line.sku, line.quantity) for line in data.lines))
    for sku_id, quantity in lines:
        await add_on_hand(
            session, sku_id, doc.location.id, -quantity, MovementKind.SALE, doc.source
        )
    return await _result(session, doc, MovementKind.SALE, [(s, -q) for s, q in lines])


async def damage(
    session: AsyncSession, principal: Principal, data: StockDocumentIn
) -> MovementResult:
    """Write off damaged units; units promised to a hold cannot be written off."""
    doc = await _open(
        session,
        principal,
        Action.DAMAGE,
        data,
        ref_type="damage",
        ref_prefix="dmg",
        reason=data.reason or "damaged",
    )
    lines = _merged(doc, ((line.sku, line.quantity) for line in data.lines))
    await _take_all(session, doc, MovementKind.DAMAGE, lines)
    return await _result(session, doc, MovementKind.DAMAGE, [(s, -q) for s, q in lines])


async def adjust(session: AsyncSession, principal: Principal, data: AdjustmentIn) -> MovementResult:
    """Apply each SKU's signed delta, in SKU order. A negative delta may take only unreserved
    units: InsufficientStock otherwise (the transaction rolls back the lines applied).
    InvalidInput for a zero delta or a SKU listed twice."""
    doc = await _open(
        session,
        principal,
        Action.ADJUST,
        data,
        ref_type="adjustment",
        ref_prefix="adj",
        reason=data.reason,
    )
    zero = sorted(line.sku for line in data.lines if line.delta == 0)
    if zero:
        raise InvalidInput(f"an adjustment must change stock: {', '.join(zero)}", skus=zero)
    deltas = _distinct(doc, [(line.sku, line.delta) for line in data.lines])
    # Lines go in SKU order whatever their sign, so the lock order holds across the document.
    for index, (sku_id, delta) in enumerate(deltas):
        if delta > 0:
            await add_on_hand(
                session, sku_id, doc.location.id, delta, MovementKind.ADJUSTMENT, doc.source
            )
            continue
        taken = await take_free_on_hand(
            session, sku_id, doc.location.id, -delta, MovementKind.ADJUSTMENT, doc.source
        )
        if taken is None:
            takes = [(s, -d) for s, d in deltas if d < 0]
            applied = [(s, -d) for s, d in deltas[:index] if d < 0]
            await _raise_short(session, doc, takes, applied)
    return await _result(session, doc, MovementKind.ADJUSTMENT, deltas)


async def count(session: AsyncSession, principal: Principal, data: CountIn) -> MovementResult:
    """A cycle count sets on_hand to what is on the shelf and records the difference.

    A count that matches writes no movement; either way the level's count flag clears.
    """
    doc = await _open(
        session,
        principal,
        Action.COUNT,
        data,
        ref_type="count",
        ref_prefix="count",
        reason=None,
    )
    counted = _distinct(doc, [(line.sku, line.counted) for line in data.lines])
    deltas = []
    for sku_id, quantity in counted:
        _, delta = await set_on_hand(session, sku_id, doc.location.id, quantity, doc.source)
        deltas.append((sku_id, delta))
    return await _result(session, doc, MovementKind.COUNT, deltas)
