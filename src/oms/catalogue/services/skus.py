"""SKUs and their barcodes: create, search, change and (while unused) delete.

A barcode identifies one SKU across the whole network, whichever length it is written at
(see ``oms.domain.gtin``); the primary key guards the exact digits and a per-item
transaction lock guards the other spellings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from msgspec import UNSET
from sqlalchemy import delete, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from oms.catalogue.schemas import SkuIn, SkuOut, SkuPage, SkuPatch
from oms.db.models import Barcode, Sku
from oms.db.savepoints import savepoint
from oms.domain import gtin
from oms.domain.access import Action, Principal, require
from oms.domain.cursors import decode_cursor, encode_cursor
from oms.domain.errors import AlreadyExists, InvalidInput, InvalidState, NotFound
from oms.outbox.stock_signals import signal_skus

_CODE = re.compile(r"[A-Za-z0-9._\-]{1,64}")
_LOCK_ITEM = text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))")
# Stock movements and hold lines hang off inventory_level rows, so a level stands for them.
_HAS_HISTORY = text(
    """
    SELECT EXISTS (SELECT 1 FROM inventory_level WHERE sku_id = :id)
        OR EXISTS (SELECT 1 FROM stock_movement WHERE sku_id = :id)
        OR EXISTS (SELECT 1 FROM hold_line WHERE sku_id = :id)
        OR EXISTS (SELECT 1 FROM transfer_line WHERE sku_id = :id)
    """
)


def _after_code(cursor: str) -> str:
    """The last code of the previous page; the cursor is opaque to clients."""
    (code,) = decode_cursor(cursor, str)
    if not _CODE.fullmatch(code):
        raise InvalidInput("cursor is not one this API returned", cursor=cursor)
    return code  # type: ignore[no-any-return]


async def _barcodes_of(session: AsyncSession, sku_ids: Sequence[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {sku_id: [] for sku_id in sku_ids}
    if sku_ids:
        rows = await session.execute(
            select(Barcode.sku_id, Barcode.gtin)
            .where(Barcode.sku_id.in_(sku_ids))
            .order_by(Barcode.gtin)
        )
        for sku_id, code in rows:
            found[sku_id].append(code)
    return found


def _sku_out(sku: Sku, barcodes: list[str]) -> SkuOut:
    return SkuOut(
        code=sku.code,
        name=sku.name,
        barcodes=barcodes,
        attributes=dict(sku.attributes),
        active=sku.active,
        created_at=sku.created_at,
        updated_at=sku.updated_at,
    )


async def _set_barcodes(
    session: AsyncSession, sku_id: int, raw: Iterable[str], *, replace: bool
) -> list[str]:
    """Give the SKU exactly these barcodes; 409 if another SKU has any of them."""
    wanted = sorted({gtin.normalise(b) for b in raw})
    # One lock per trade item, in a fixed order: two requests adding the same item under
    # different spellings queue here instead of both passing the check below.
    for key in sorted({gtin.to_gtin14(g) for g in wanted}):
        await session.execute(_LOCK_ITEM, {"key": f"gtin:{key}"})
    if replace:
        await session.execute(
            delete(Barcode)
            .where(Barcode.sku_id == sku_id, Barcode.gtin.not_in(wanted))
            .execution_options(synchronize_session=False)
        )
    if not wanted:
        return wanted
    await session.execute(
        insert(Barcode)
        .values([{"gtin": g, "sku_id": sku_id} for g in wanted])
        .on_conflict_do_nothing(index_elements=[Barcode.gtin])
    )
    spelling_of = {form: g for g in wanted for form in gtin.equivalents(g)}
    taken = await session.execute(
        select(Barcode.gtin, Sku.code)
        .join(Sku, Sku.id == Barcode.sku_id)
        .where(Barcode.gtin.in_(spelling_of), Barcode.sku_id != sku_id)
        .order_by(Barcode.gtin)
    )
    conflicts = [{"barcode": spelling_of[found], "sku": owner} for found, owner in taken]
    if conflicts:
        first = conflicts[0]
        raise AlreadyExists(
            "; ".join(
                f"barcode {c['barcode']} already belongs to SKU {c['sku']}" for c in conflicts
            ),
            barcode=first["barcode"],
            sku=first["sku"],
            conflicts=conflicts,
        )
    return wanted


async def create_sku(session: AsyncSession, principal: Principal, data: SkuIn) -> SkuOut:
    """Insert a SKU and its barcodes (admins only); AlreadyExists for a taken code or barcode."""
    require(principal, Action.MANAGE_CATALOGUE)
    sku = await session.scalar(
        insert(Sku)
        .values(code=data.code, name=data.name, attributes=data.attributes, active=data.active)
        .on_conflict_do_nothing(index_elements=[Sku.code])
        .returning(Sku)
    )
    if sku is None:
        raise AlreadyExists(f"SKU {data.code!r} already exists", sku=data.code)
    barcodes = await _set_barcodes(session, sku.id, data.barcodes, replace=False)
    return _sku_out(sku, barcodes)


async def get_sku(session: AsyncSession, code: str) -> SkuOut:
    """The SKU with this code, active or not, with its barcodes; NotFound if none."""
    sku = await session.scalar(select(Sku).where(Sku.code == code))
    if sku is None:
        raise NotFound(f"SKU {code!r} not found", sku=code)
    return _sku_out(sku, (await _barcodes_of(session, [sku.id]))[sku.id])


async def search_skus(
    session: AsyncSession,
    *,
    q: str | None = None,
    active: bool | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> SkuPage:
    """Exact code or barcode, code prefix or name substring (both case-insensitive).

    Pages are keyed on the code, so rows added or removed meanwhile never make a page
    repeat or skip a SKU that stayed.
    """
    query = select(Sku).order_by(Sku.code).limit(limit + 1)
    term = (q or "").strip()
    if term:
        matches = [
            Sku.code == term,
            Sku.code.istartswith(term, autoescape=True),
            Sku.name.icontains(term, autoescape=True),
        ]
        try:
            scanned = gtin.normalise(term)
        except gtin.InvalidGtin:
            pass
        else:
            matches.append(
                Sku.id.in_(
                    select(Barcode.sku_id).where(Barcode.gtin.in_(gtin.equivalents(scanned)))
                )
            )
        query = query.where(or_(*matches))
    if active is not None:
        query = query.where(Sku.active.is_(active))
    if cursor is not None:
        query = query.where(Sku.code > _after_code(cursor))
    rows = list(await session.scalars(query))
    page, more = rows[:limit], len(rows) > limit
    barcodes = await _barcodes_of(session, [sku.id for sku in page])
    return SkuPage(
        items=[_sku_out(sku, barcodes[sku.id]) for sku in page],
        next_cursor=encode_cursor(page[-1].code) if more else None,
    )


async def update_sku(
    session: AsyncSession, principal: Principal, code: str, data: SkuPatch
) -> SkuOut:
    """Change the fields given; barcodes given replace all (admins only); NotFound if none."""
    require(principal, Action.MANAGE_CATALOGUE)
    changes = {
        name: getattr(data, name)
        for name in ("name", "attributes", "active")
        if getattr(data, name) is not UNSET
    }
    # Also stamped when only the barcodes change: they are part of the SKU.
    sku = await session.scalar(
        update(Sku)
        .where(Sku.code == code)
        .values(**changes, updated_at=func.now())
        .returning(Sku)
        .execution_options(populate_existing=True)
    )
    if sku is None:
        raise NotFound(f"SKU {code!r} not found", sku=code)
    if isinstance(data.barcodes, list):
        await _set_barcodes(session, sku.id, data.barcodes, replace=True)
    if "active" in changes:
        # An inactive SKU publishes 0 on every channel (and a reactivated one its stock
        # again): tell channel sync, in this transaction, as a stock change would.
        await signal_skus(session, [sku.id])
    return _sku_out(sku, (await _barcodes_of(session, [sku.id]))[sku.id])


async def delete_sku(session: AsyncSession, principal: Principal, code: str) -> None:
    """Delete a SKU that never had stock (admins only); InvalidState if it did, NotFound if none."""
    require(principal, Action.MANAGE_CATALOGUE)
    # FOR UPDATE conflicts with the key-share lock every referencing insert takes, so no
    # stock can be recorded for it between the check and the delete.
    sku_id = await session.scalar(select(Sku.id).where(Sku.code == code).with_for_update())
    if sku_id is None:
        raise NotFound(f"SKU {code!r} not found", sku=code)
    if await session.scalar(_HAS_HISTORY, {"id": sku_id}):
        raise _in_use(code)
    try:
        # A savepoint, so a reference from a table added later is a clear 409, not a 500.
        async with savepoint(await session.connection(), "delete_sku"):
            await session.execute(
                delete(Sku).where(Sku.id == sku_id).execution_options(synchronize_session=False)
            )
    except IntegrityError as exc:
        raise _in_use(code) from exc


def _in_use(code: str) -> InvalidState:
    return InvalidState(
        f"SKU {code!r} has stock history and cannot be deleted;"
        f' deactivate it instead with PATCH /skus/{code} {{"active": false}}',
        sku=code,
    )
