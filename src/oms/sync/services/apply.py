"""Partner events: stored once under their delivery id, then applied once, in the background.

A webhook delivery and an order the repair sweep found are both a ``channel_event`` row:
stored with ``INSERT ... ON CONFLICT (channel_id, delivery_id) DO NOTHING`` (a redelivery
is a no-op), then applied by a job that claims the row (``FOR UPDATE SKIP LOCKED``, state
``received``), so two runs of the job never both apply it. The event ends, in the same
transaction as the order change, as:

- ``applied``: the order was placed, updated or cancelled (``outcome`` says which; ``note``
  what of the partner's change was not applied);
- ``ignored``: the delivery carries no order change, or an older version than the one
  already applied (``note`` says which);
- ``failed``: the payload lacks something we need, or the orders service refused the
  order (``error`` says why; nothing of it was written). An admin may retry it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import msgspec
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from oms.domain.channel_sync import Partner, PartnerOrder, PayloadError
from oms.sync.services.partner_orders import MAX_EXTERNAL_ID, UNCHANGED, ingest_partner_order

log = logging.getLogger(__name__)

# Orders the sweep (or the stale-push path) read from the partner's API are stored as
# events of this topic, their body our own PartnerOrder; their delivery ids start with
# SWEEP_PREFIX, which partners' deliveries may not use.
SWEEP_TOPIC = "sweep"
SWEEP_PREFIX = "sweep:"
MAX_DELIVERY_ID = 200  # channel_event.delivery_id
MAX_TOPIC = 100  # channel_event.topic
MAX_ERROR = 2000

_STORE = text(
    """
    INSERT INTO channel_event (channel_id, delivery_id, topic, body, headers)
    VALUES (:channel_id, :delivery_id, :topic, :body, CAST(:headers AS jsonb))
    ON CONFLICT (channel_id, delivery_id) DO NOTHING
    RETURNING id
    """
)
# Another run holds it (SKIP LOCKED), or it is settled: either way not ours to apply.
_CLAIM = text(
    """
    SELECT e.id, e.channel_id, e.delivery_id, e.topic, e.body, c.code, cs.adapter
      FROM channel_event e
      JOIN channel c ON c.id = e.channel_id
      LEFT JOIN channel_sync cs ON cs.channel_id = e.channel_id
     WHERE e.id = :id AND e.state = 'received'
       FOR UPDATE OF e SKIP LOCKED
    """
)
_STORES = text(
    """
    SELECT f.partner_location_id, l.code
      FROM channel_feed_location f JOIN location l ON l.id = f.location_id
     WHERE f.channel_id = :channel_id AND f.partner_location_id IS NOT NULL
    """
)
_SETTLE = text(
    """
    UPDATE channel_event
       SET state = :state, outcome = :outcome, error = :error, note = :note,
           external_order_id = COALESCE(:external_id, external_order_id), applied_at = now()
     WHERE id = :id
    """
)

Partners = Callable[[str], Partner]


@dataclass(frozen=True, slots=True)
class Settled:
    state: str  # applied | ignored | failed
    outcome: str | None = None
    error: str | None = None
    note: str | None = None
    external_id: str | None = None


async def store_event(
    session: AsyncSession,
    channel_id: int,
    *,
    delivery_id: str,
    topic: str,
    body: bytes,
    headers: Mapping[str, str],
) -> int | None:
    """The new event's id, or None when this delivery id was stored before (a redelivery)."""
    found = await session.scalar(
        _STORE,
        {
            "channel_id": channel_id,
            "delivery_id": delivery_id,
            "topic": topic,
            "body": body,
            "headers": json.dumps(dict(headers)),
        },
    )
    return int(found) if found is not None else None


async def apply_channel_event(
    sessionmaker: async_sessionmaker[AsyncSession],
    event_id: int,
    *,
    partners: Partners | None = None,
) -> str | None:
    """Apply a stored event in one transaction; the state it ended in, or None when it was
    not ours to apply (settled before, or another run holds it). ``partners`` reads
    partners' deliveries; events of the sweep need none. Contended stock and database
    errors propagate, leaving the event ``received`` for the job's retry."""
    async with sessionmaker() as session, session.begin():
        return await apply_claimed(session, event_id, partners)


async def apply_claimed(
    session: AsyncSession, event_id: int, partners: Partners | None
) -> str | None:
    """``apply_channel_event`` in the caller's transaction."""
    event = (await session.execute(_CLAIM, {"id": event_id})).one_or_none()
    if event is None:
        return None
    settled = await _settle(session, event, partners)
    await session.execute(
        _SETTLE,
        {
            "id": event_id,
            "state": settled.state,
            "outcome": settled.outcome,
            "error": _clip(settled.error),
            "note": _clip(settled.note),
            "external_id": settled.external_id,
        },
    )
    return settled.state


async def _settle(session: AsyncSession, event: Any, partners: Partners | None) -> Settled:
    try:
        order = await _read(session, event, partners)
    except PayloadError as exc:
        return Settled("failed", "payload_error", error=str(exc) or "the payload is incomplete")
    if order is None:
        return Settled("ignored", "no_order", note=f"topic {event.topic!r} carries no order")
    external_id = order.external_id if len(order.external_id) <= MAX_EXTERNAL_ID else None
    done = await ingest_partner_order(session, event.code, event.channel_id, order)
    if done.outcome == "rejected":
        return Settled("failed", done.outcome, error=done.note, external_id=external_id)
    state = "ignored" if done.outcome in UNCHANGED else "applied"
    return Settled(state, done.outcome, note=done.note, external_id=external_id)


async def _read(
    session: AsyncSession, event: Any, partners: Partners | None
) -> PartnerOrder | None:
    """The order in the event: our own encoding for sweep events, else the partner's."""
    if event.topic == SWEEP_TOPIC and event.delivery_id.startswith(SWEEP_PREFIX):
        try:
            return msgspec.json.decode(event.body, type=PartnerOrder)
        except msgspec.DecodeError as exc:
            raise PayloadError(f"not an order: {exc}") from None
    if event.adapter is None:
        raise PayloadError("the channel has no sync settings: its deliveries cannot be read")
    if partners is None:
        raise RuntimeError("applying a partner's delivery needs the partner registry")
    rows = await session.execute(_STORES, {"channel_id": event.channel_id})
    stores = {row.partner_location_id: row.code for row in rows}
    try:
        inbound = partners(event.adapter).inbound
        return inbound.read_order(event.topic, bytes(event.body), stores)
    except PayloadError:
        raise
    except Exception as exc:  # an adapter's bug must not retry forever: show it on the event
        log.exception("partner payload could not be read", extra={"channel": event.code})
        raise PayloadError(f"the {event.adapter} adapter could not read it: {exc!r}") from None


def _clip(value: str | None) -> str | None:
    return value if value is None or len(value) <= MAX_ERROR else value[: MAX_ERROR - 1] + "…"
