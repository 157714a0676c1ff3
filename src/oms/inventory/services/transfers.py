"""Transfers: stock leaves one location, travels, and is received at another.

Sending takes the units off the source's shelf at once (ledger ``transfer_out``); while the
transfer is ``in_transit`` they belong to no location's level, only to the transfer's lines.
Receiving puts what actually arrived on the destination's shelf (ledger ``transfer_in``).
Each side touches one location, in SKU-id order, so concurrent documents never deadlock.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Literal, Protocol

from sqlalchemy import Row, Select, and_, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from oms.catalogue.services.refs import location_by_code, sku_ids_by_code
from oms.db.models import Location, Sku, Transfer, TransferLine
from oms.db.rows import group_rows
from oms.domain.access import Action, Principal, require, require_at
from oms.domain.cursors import decode_time_key, encode_time_key
from oms.domain.errors import InvalidInput, InvalidState, NotFound
from oms.domain.stock import MAX_QUANTITY, MovementKind, insufficient_stock, merge_lines
from oms.inventory.ledger.writers import Source, add_on_hand, current_level, take_free_on_hand
from oms.inventory.schemas import (
    TransferIn,
    TransferLineOut,
    TransferList,
    TransferOut,
    TransferReceiveIn,
)

TransferStatus = Literal["in_transit", "received"]
# Seen from the ``location`` of a listing: coming to it, or leaving it.
TransferDirection = Literal["in", "out"]

_INSERT_TRANSFER = text(
    """
    INSERT INTO transfer (id, from_location_id, to_location_id, status, reference, actor)
    VALUES (:id, :from_id, :to_id, 'in_transit', :reference, :actor)
    """
)
_INSERT_LINE = text(
    "INSERT INTO transfer_line (transfer_id, sku_id, quantity) VALUES (:id, :sku_id, :quantity)"
)
# Claims the receipt: of two concurrent receives the second waits on the row lock, then
# finds the status changed and gets no row back, so units are never added twice.
_MARK_RECEIVED = text(
    """
    UPDATE transfer SET status = 'received', received_at = now()
     WHERE id = :id AND status = 'in_transit'
    RETURNING id
    """
)
_RECORD_RECEIVED = text(
    """
    UPDATE transfer_line SET received_quantity = :received
     WHERE transfer_id = :id AND sku_id = :sku_id
    """
)

_TransferRow = tuple[uuid.UUID, str, str, str, str | None, datetime, datetime | None]
_From = aliased(Location)
_To = aliased(Location)


async def create_transfer(
    session: AsyncSession, principal: Principal, data: TransferIn
) -> TransferOut:
    """Open an in-transit transfer and take its units off the source's shelf (ledger
    ``transfer_out``). Only unreserved units travel: InsufficientStock otherwise (the
    transaction rolls back what was taken). InvalidInput when both locations are the same."""
    source = await location_by_code(session, data.from_location)
    require_at(principal, Action.TRANSFER_OUT, source.id, source.code)
    destination = await location_by_code(session, data.to_location)
    if destination.id == source.id:
        raise InvalidInput("a transfer needs two different locations", location=source.code)
    sku_ids = await sku_ids_by_code(session, (line.sku for line in data.lines))
    lines = merge_lines((sku_ids[line.sku], line.quantity) for line in data.lines)
    if any(quantity > MAX_QUANTITY for _, quantity in lines):
        raise InvalidInput(f"at most {MAX_QUANTITY} units of one SKU per transfer")

    transfer_id = uuid.uuid4()
    await session.execute(
        _INSERT_TRANSFER,
        {
            "id": transfer_id,
            "from_id": source.id,
            "to_id": destination.id,
            "reference": data.reference,
            "actor": principal.actor,
        },
    )
    await session.execute(
        _INSERT_LINE, [{"id": transfer_id, "sku_id": s, "quantity": q} for s, q in lines]
    )
    ledger_source = Source("transfer", str(transfer_id), principal.actor)
    for index, (sku_id, quantity) in enumerate(lines):
        taken = await take_free_on_hand(
            session, sku_id, source.id, quantity, MovementKind.TRANSFER_OUT, ledger_source
        )
        if taken is None:
            await _raise_insufficient(session, source, sku_ids, lines[index:])
    return await _transfer_out(session, transfer_id)


async def _raise_insufficient(
    session: AsyncSession,
    source: Location,
    sku_ids: dict[str, int],
    untaken: Sequence[tuple[int, int]],
) -> None:
    """Explain every short line; the request's transaction rolls back what was taken.

    Only lines not yet taken are looked at: their levels are still as they were. Reserved
    units are promised to holds and cannot travel; safety stock may (it is a selling
    buffer, not a physical one), matching what ``take_free_on_hand`` allows.
    """
    code_of = {sku_id: code for code, sku_id in sku_ids.items()}
    checked = []
    for sku_id, quantity in untaken:
        level = await current_level(session, sku_id, source.id)
        checked.append((code_of[sku_id], quantity, level.on_hand - level.reserved if level else 0))
    raise insufficient_stock(source.code, checked, unreserved=True)


class ArrivalListener(Protocol):
    """Told, in the receipt's transaction, what arrived: units per SKU id (0 = lost).

    Fulfilment listens (stock sent for a customer's pickup is reserved for it on
    arrival). It sits above inventory, so the application passes it in rather than
    inventory importing it.
    """

    async def __call__(
        self, session: AsyncSession, transfer_id: uuid.UUID, received: dict[int, int], actor: str
    ) -> None: ...


async def receive_transfer(
    session: AsyncSession,
    principal: Principal,
    transfer_id: uuid.UUID,
    data: TransferReceiveIn,
    on_arrival: ArrivalListener,
) -> TransferOut:
    """Receive the transfer at its destination (ledger ``transfer_in``) and tell ``on_arrival``
    what came; lines not listed in ``data`` arrived in full, the rest is lost in transit.
    InvalidState unless it is in transit; NotFound for one the caller may not see."""
    transfer = await _visible_transfer(session, principal, transfer_id)
    destination = await session.get_one(Location, transfer.to_location_id)
    require_at(principal, Action.TRANSFER_IN, destination.id, destination.code)
    sent = await _sent_lines(session, transfer_id)
    received = _received_per_line(sent, data)
    if (await session.execute(_MARK_RECEIVED, {"id": transfer_id})).first() is None:
        status = await session.scalar(select(Transfer.status).where(Transfer.id == transfer_id))
        raise InvalidState(f"transfer is already {status}", status=status)

    ledger_source = Source("transfer", str(transfer_id), principal.actor, note=data.note)
    for sku_id, count in received.items():  # built from ``sent``: SKU-id order
        await session.execute(
            _RECORD_RECEIVED, {"id": transfer_id, "sku_id": sku_id, "received": count}
        )
        # Units sent but not received are lost in transit. They are not written anywhere
        # else: they already left the source's on_hand with the transfer_out movement and
        # never reach the destination's, so every level (and the ledger replay) stays
        # right; the loss is the line's quantity minus received_quantity.
        if count:
            await add_on_hand(
                session, sku_id, destination.id, count, MovementKind.TRANSFER_IN, ledger_source
            )
    await on_arrival(session, transfer_id, received, principal.actor)
    return await _transfer_out(session, transfer_id)


def _received_per_line(
    sent: Sequence[tuple[int, str, int]], data: TransferReceiveIn
) -> dict[int, int]:
    """Units received per SKU id. Lines not listed arrived in full (list only the shortfalls)."""
    received = {sku_id: quantity for sku_id, _, quantity in sent}
    by_code = {code: (sku_id, quantity) for sku_id, code, quantity in sent}
    seen: set[str] = set()
    for line in data.lines or ():
        if line.sku not in by_code:
            raise InvalidInput(f"SKU {line.sku!r} is not in this transfer", sku=line.sku)
        if line.sku in seen:
            raise InvalidInput(f"SKU {line.sku!r} is listed twice", sku=line.sku)
        seen.add(line.sku)
        sku_id, quantity = by_code[line.sku]
        if line.received > quantity:
            raise InvalidInput(
                f"received {line.received} of {line.sku!r} but only {quantity} were sent",
                sku=line.sku,
                sent=quantity,
            )
        received[sku_id] = line.received
    return received


async def _sent_lines(session: AsyncSession, transfer_id: uuid.UUID) -> list[tuple[int, str, int]]:
    """(sku id, code, quantity) per line, in SKU-id order: the destination's lock order."""
    rows = await session.execute(
        select(TransferLine.sku_id, Sku.code, TransferLine.quantity)
        .join(Sku, Sku.id == TransferLine.sku_id)
        .where(TransferLine.transfer_id == transfer_id)
        .order_by(TransferLine.sku_id)
    )
    return [(sku_id, code, quantity) for sku_id, code, quantity in rows]


async def get_transfer(
    session: AsyncSession, principal: Principal, transfer_id: uuid.UUID
) -> TransferOut:
    """The transfer with its lines; NotFound for one touching none of the caller's locations."""
    await _visible_transfer(session, principal, transfer_id)
    return await _transfer_out(session, transfer_id)


async def list_transfers(
    session: AsyncSession,
    principal: Principal,
    *,
    location: str | None,
    status: TransferStatus | None,
    limit: int,
    cursor: str | None,
    direction: TransferDirection | None = None,
) -> TransferList:
    """Newest first. With ``status=in_transit`` and a location: what is on its way to or from
    it (``direction``: only to it, ``in``, or only from it, ``out``). InvalidInput for a
    direction without a location.

    Transfers made in one transaction share a time, so the id orders those (ascending).
    """
    require(principal, Action.READ_LOCATION_DETAIL)
    query = _transfer_rows().order_by(Transfer.created_at.desc(), Transfer.id).limit(limit + 1)
    if cursor is not None:
        at, after = decode_time_key(cursor)
        query = query.where(
            or_(
                Transfer.created_at < at,
                and_(Transfer.created_at == at, Transfer.id > after),
            )
        )
    if direction is not None and location is None:
        raise InvalidInput("a direction needs the location it is seen from")
    if location is not None:
        location_id = (await location_by_code(session, location, active_only=False)).id
        coming = Transfer.to_location_id == location_id
        leaving = Transfer.from_location_id == location_id
        query = query.where(
            coming if direction == "in" else leaving if direction == "out" else or_(coming, leaving)
        )
    if status is not None:
        query = query.where(Transfer.status == status)
    if principal.is_scoped:
        scope = sorted(principal.location_ids)
        query = query.where(
            or_(Transfer.from_location_id.in_(scope), Transfer.to_location_id.in_(scope))
        )
    found = (await session.execute(query)).all()
    rows, more = found[:limit], len(found) > limit
    lines = await _lines_of(session, [row.id for row in rows])
    return TransferList(
        items=[_to_out(row, lines.get(row.id, [])) for row in rows],
        next_cursor=encode_time_key(rows[-1].created_at, rows[-1].id) if more else None,
    )


async def _visible_transfer(
    session: AsyncSession, principal: Principal, transfer_id: uuid.UUID
) -> Transfer:
    """Scoped tokens see transfers touching one of their locations; others get 404."""
    transfer = await session.get(Transfer, transfer_id)
    if (
        transfer is None
        or not principal.may(Action.READ_LOCATION_DETAIL)
        or not (
            principal.sees_location(transfer.from_location_id)
            or principal.sees_location(transfer.to_location_id)
        )
    ):
        raise NotFound("transfer not found")
    return transfer


def _transfer_rows() -> Select[*_TransferRow]:
    return (
        select(
            Transfer.id,
            _From.code.label("from_code"),
            _To.code.label("to_code"),
            Transfer.status,
            Transfer.reference,
            Transfer.created_at,
            Transfer.received_at,
        )
        .join(_From, _From.id == Transfer.from_location_id)
        .join(_To, _To.id == Transfer.to_location_id)
    )


async def _lines_of(
    session: AsyncSession, transfer_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[TransferLineOut]]:
    if not transfer_ids:
        return {}
    rows = await session.execute(
        select(
            TransferLine.transfer_id,
            Sku.code,
            TransferLine.quantity,
            TransferLine.received_quantity,
        )
        .join(Sku, Sku.id == TransferLine.sku_id)
        .where(TransferLine.transfer_id.in_(transfer_ids))
        .order_by(TransferLine.transfer_id, Sku.code)
    )
    by_transfer = group_rows(rows, lambda r: r.transfer_id)
    return {
        transfer_id: [
            TransferLineOut(
                sku=r.code,
                quantity=r.quantity,
                received_quantity=r.received_quantity,
                short=None if r.received_quantity is None else r.quantity - r.received_quantity,
            )
            for r in group
        ]
        for transfer_id, group in by_transfer.items()
    }


async def _transfer_out(session: AsyncSession, transfer_id: uuid.UUID) -> TransferOut:
    row = (await session.execute(_transfer_rows().where(Transfer.id == transfer_id))).one()
    lines = await _lines_of(session, [transfer_id])
    return _to_out(row, lines.get(transfer_id, []))


def _to_out(row: Row[*_TransferRow], lines: list[TransferLineOut]) -> TransferOut:
    return TransferOut(
        id=row.id,
        from_location=row.from_code,
        to_location=row.to_code,
        status=row.status,
        reference=row.reference,
        lines=lines,
        created_at=row.created_at,
        received_at=row.received_at,
    )
