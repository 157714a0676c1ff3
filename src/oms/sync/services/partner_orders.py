"""A partner's order taken in: placed, updated or cancelled through the orders service, once.

Partners deliver at least once and in any order (a retry hours later, ``orders/updated``
before ``orders/create``, the repair sweep seeing what a webhook already brought), so every
version goes through one guard: ``channel_order`` keeps, per (channel, external id), the
newest partner version applied (``partner_updated_at``). Its row is created race-free
(``INSERT ... ON CONFLICT DO NOTHING``, then ``SELECT ... FOR UPDATE``), so two workers
taking in versions of one order queue behind each other, and a version that is not newer
than the stored one changes nothing (``stale``). Partners stamp versions to the second:
at a tie, a cancellation still counts as newer than a version that was not cancelled.

What a newer version does:

- not cancelled, order unknown: placed through the orders service as the channel's
  integration client, with the partner's id as external id (``placed``);
- cancelled, order known: the order is cancelled through the orders service (``cancelled``);
- cancelled, order unknown (the cancellation overtook its creation): a tombstone is kept
  (``cancelled`` set, no order) and the order is **never placed**: a create that arrives
  later is older than the cancellation and ends ``stale``, its event saying so. Placing
  and at once cancelling would reserve stock the partner already gave up and publish a
  lower quantity meanwhile, for an order nobody will fulfil.
- not cancelled, order known: quantity reductions are applied with the orders service's
  edit (a line left out is a line removed); raised quantities, new lines and changed
  addresses or customer details are not applied and the event's note lists them
  (``updated``, or ``recorded`` when nothing could be applied).

A version the orders service refuses (no stock and no backorders, an unknown SKU, a body
that is not a valid order, a line already being picked) is ``rejected``: everything it did
is rolled back to a savepoint, the version is not recorded (an operator may retry it), and
the reason is returned for the event.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar

import msgspec
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from oms.db.savepoints import savepoint
from oms.domain.access import Principal, Role
from oms.domain.channel_sync import PartnerOrder
from oms.domain.errors import Contended, DomainError
from oms.orders.schemas import CancelIn, EditIn, LineChange, OrderIn, OrderOut
from oms.orders.services.changes import cancel, edit
from oms.orders.services.placement import place
from oms.orders.services.queries import get_order_out

T = TypeVar("T")
Outcome = Literal["placed", "updated", "recorded", "cancelled", "stale", "rejected"]
# Outcomes that changed nothing here: the event is "ignored", not "applied".
UNCHANGED: frozenset[str] = frozenset({"stale"})
CANCEL_REASON = "partner_cancelled"
MAX_EXTERNAL_ID = 128  # channel_order.external_id, like the orders API's external id
# A new channel_order row's version until the first version is recorded in it: older than
# any partner's.
_NEVER = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Ingested:
    """What taking in one partner version did; ``note`` says what was not applied, or
    (``rejected``) why nothing was."""

    outcome: Outcome
    order_id: uuid.UUID | None = None
    note: str | None = None


class _Rejected(Exception):
    """The orders service (or our strict order schema) refused this version."""


_CREATE_ROW = text(
    """
    INSERT INTO channel_order (channel_id, external_id, partner_updated_at)
    VALUES (:channel_id, :external_id, :never)
    ON CONFLICT (channel_id, external_id) DO NOTHING
    """
)
_LOCK_ROW = text(
    """
    SELECT partner_updated_at, cancelled, order_id FROM channel_order
     WHERE channel_id = :channel_id AND external_id = :external_id
       FOR UPDATE
    """
)
_RECORD = text(
    """
    UPDATE channel_order
       SET partner_updated_at = :updated_at, cancelled = :cancelled, order_id = :order_id,
           updated_at = now()
     WHERE channel_id = :channel_id AND external_id = :external_id
    """
)


def channel_client(channel_code: str) -> Principal:
    """Who acts for the partner: the channel's integration client (its own orders only)."""
    return Principal(
        token_id=0, name="partner-sync", role=Role.INTEGRATION, channel_code=channel_code
    )


async def ingest_partner_order(
    session: AsyncSession, channel_code: str, channel_id: int, order: PartnerOrder
) -> Ingested:
    """Apply ``order`` if it is newer than what the channel's order already shows.

    Idempotent on (channel, external id); runs in the caller's transaction and leaves
    nothing behind when the version is rejected. Contended stock (retry later) and
    database errors propagate.
    """
    if not 0 < len(order.external_id) <= MAX_EXTERNAL_ID:
        return Ingested("rejected", note=f"external id must be 1 to {MAX_EXTERNAL_ID} characters")
    if order.updated_at.tzinfo is None:
        return Ingested("rejected", note="the partner's version time has no time zone")
    await session.flush()  # the savepoint below is SQL the ORM does not see
    conn = await session.connection()
    key = {"channel_id": channel_id, "external_id": order.external_id}
    known: uuid.UUID | None = None  # our order for it, for the rejected event to name
    try:
        async with savepoint(conn, "ingest_partner_order"):
            await conn.execute(_CREATE_ROW, {**key, "never": _NEVER})
            row = (await conn.execute(_LOCK_ROW, key)).one()
            known = row.order_id
            if not _newer(order, row):
                return Ingested("stale", row.order_id, _stale_note(order, row))
            done = await _apply_newer(session, channel_code, order, row)
            await conn.execute(
                _RECORD,
                {
                    **key,
                    "updated_at": order.updated_at,
                    "cancelled": order.cancelled or row.cancelled,
                    "order_id": done.order_id,
                },
            )
            return done
    except _Rejected as exc:
        return Ingested("rejected", known, str(exc))


def _newer(order: PartnerOrder, row: Any) -> bool:
    """Whether ``order`` is a newer version than the one recorded. Partners stamp versions
    to the second, so a cancellation in the same second as the version before it would
    tie: a cancellation wins a tie (it is final; nothing the partner does comes after)."""
    if order.updated_at != row.partner_updated_at:
        return bool(order.updated_at > row.partner_updated_at)
    return order.cancelled and not row.cancelled


def _stale_note(order: PartnerOrder, row: Any) -> str:
    seen = _iso(row.partner_updated_at)
    if row.cancelled and row.order_id is None:
        return (
            f"version {_iso(order.updated_at)} is older than the cancellation ({seen}) that"
            " arrived first: the order is not placed"
        )
    return f"version {_iso(order.updated_at)} is not newer than {seen}, already applied"


async def _apply_newer(
    session: AsyncSession, channel_code: str, order: PartnerOrder, row: Any
) -> Ingested:
    principal = channel_client(channel_code)
    if order.cancelled:
        if row.order_id is None:
            return Ingested("cancelled", note="cancelled before the order arrived: never placed")
        return await _cancel(session, principal, row.order_id)
    if row.cancelled:
        return Ingested(
            "recorded", row.order_id, "the partner cancelled this order earlier; not reopened"
        )
    wanted = _order_in(channel_code, order)
    if row.order_id is None:
        placed = await _refused_as_rejection(place(session, principal, wanted))
        note = None if placed.created else "already placed under this external id"
        return Ingested("placed", placed.order.id, note)
    return await _update(session, principal, row.order_id, wanted)


def _order_in(channel_code: str, order: PartnerOrder) -> OrderIn:
    """The partner's order through our own strict order schema (any mistake: rejected)."""
    body = {**order.order, "channel": channel_code, "external_id": order.external_id}
    try:
        return msgspec.convert(body, OrderIn, strict=True)
    except msgspec.ValidationError as exc:
        raise _Rejected(f"not a valid order: {exc}") from None


async def _refused_as_rejection(call: Awaitable[T]) -> T:
    """Await an orders service call; what it refuses (DomainError) rejects the version,
    except contended stock, which a later retry of the job may well get."""
    try:
        return await call
    except Contended:
        raise
    except DomainError as exc:
        raise _Rejected(f"{exc.code}: {exc.detail}") from None


async def _cancel(session: AsyncSession, principal: Principal, order_id: uuid.UUID) -> Ingested:
    conn = await session.connection()
    if (await get_order_out(conn, order_id)).status == "cancelled":
        return Ingested("cancelled", order_id, "already cancelled here")
    await _refused_as_rejection(
        cancel(session, principal, order_id, CancelIn(reason=CANCEL_REASON))
    )
    return Ingested("cancelled", order_id)


async def _update(
    session: AsyncSession, principal: Principal, order_id: uuid.UUID, wanted: OrderIn
) -> Ingested:
    current = await get_order_out(await session.connection(), order_id)
    if current.status == "cancelled":
        return Ingested("recorded", order_id, "the order is cancelled here; update not applied")
    changes, not_applied = _reductions(current, wanted)
    if changes:
        await _refused_as_rejection(edit(session, principal, order_id, EditIn(lines=changes)))
    note = "; ".join(not_applied) or None
    return Ingested("updated" if changes else "recorded", order_id, note)


def _reductions(current: OrderOut, wanted: OrderIn) -> tuple[list[LineChange], list[str]]:
    """The line quantities to lower so the order matches the partner's version, and what
    else the version changes that is not applied (raised quantities, new SKUs)."""
    asked: dict[str, int] = defaultdict(int)
    for wanted_line in wanted.lines:
        asked[wanted_line.sku] += wanted_line.quantity
    changes: list[LineChange] = []
    raised: list[str] = []
    for sku in sorted({line.sku for line in current.lines}):
        left = asked.pop(sku, 0)  # a line the partner no longer lists was removed
        lines = sorted((ln for ln in current.lines if ln.sku == sku), key=lambda ln: ln.line_no)
        have = sum(ln.quantity - ln.cancelled for ln in lines)
        if left > have:
            raised.append(f"{sku} {have} -> {left}")
        for ours in lines:
            live = ours.quantity - ours.cancelled
            keep = min(live, left)
            left -= keep
            if keep < live:
                changes.append(LineChange(line_no=ours.line_no, quantity=keep))
    not_applied = []
    if raised:
        not_applied.append("raised quantities not applied: " + ", ".join(raised))
    if asked:
        not_applied.append("new lines not applied: " + ", ".join(sorted(asked)))
    return changes, not_applied


def _iso(at: datetime) -> str:
    return at.isoformat()
