"""A channel's partner events for its administrators: what came in and what each one did,
and a retry for one that failed (after stock arrived, a SKU was created, ...).

The list shows what an operator needs to follow a delivery (its id, topic, state, what
applying it did, the partner's order and ours) and never the raw body or the delivery's
headers: payloads carry customers' details, and headers are the partner's business.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal, NoReturn, TypeAlias

import msgspec
from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncSession

from oms.domain.access import Action, Principal, require
from oms.domain.cursors import decode_cursor, encode_cursor
from oms.domain.errors import InvalidState, NotFound
from oms.outbox.messages import ApplyChannelEvent
from oms.outbox.writer import enqueue_after_commit
from oms.schemas import Input, Output, Page

EventState: TypeAlias = Literal["received", "applied", "ignored", "failed"]


class ChannelEventOut(Output, frozen=True, kw_only=True):
    id: int
    delivery_id: str
    topic: str
    state: EventState
    # placed | updated | recorded | cancelled | stale | rejected | no_order | payload_error |
    # dismissed (a failed event an admin settled by hand; ``note`` says who and why)
    outcome: str | None
    error: str | None  # why it failed
    note: str | None  # what of the partner's change was not applied, or why it was ignored
    external_order_id: str | None
    order_id: uuid.UUID | None  # our order for the partner's, once placed
    received_at: datetime
    applied_at: datetime | None


class ChannelEventPage(Page, frozen=True, kw_only=True):
    items: list[ChannelEventOut]


_COLUMNS = """
    e.id, e.delivery_id, e.topic, e.state, e.outcome, e.error, e.note, e.external_order_id,
    co.order_id, e.received_at, e.applied_at
      FROM channel_event e
      LEFT JOIN channel_order co
        ON co.channel_id = e.channel_id AND co.external_id = e.external_order_id
"""
_CHANNEL = text("SELECT id FROM channel WHERE code = :code")
# Newest first; the cursor is the last id shown.
_LIST = text(
    "SELECT"
    + _COLUMNS
    + """
     WHERE e.channel_id = :channel_id
       AND (CAST(:state AS text) IS NULL OR e.state = :state)
       AND (CAST(:before AS bigint) IS NULL OR e.id < :before)
     ORDER BY e.id DESC
     LIMIT :limit
    """
)
_ONE = text("SELECT" + _COLUMNS + " WHERE e.channel_id = :channel_id AND e.id = :id")
_STATE = text("SELECT state FROM channel_event WHERE channel_id = :channel_id AND id = :id")
_DISMISS = text(
    """
    UPDATE channel_event
       SET state = 'ignored', outcome = 'dismissed', note = :note, applied_at = now()
     WHERE channel_id = :channel_id AND id = :id AND state = 'failed'
    RETURNING id
    """
)
_REOPEN = text(
    """
    UPDATE channel_event
       SET state = 'received', outcome = NULL, error = NULL, note = NULL, applied_at = NULL
     WHERE channel_id = :channel_id AND id = :id AND state = 'failed'
    RETURNING id
    """
)


async def list_channel_events(
    session: AsyncSession,
    principal: Principal,
    code: str,
    *,
    state: EventState | None,
    limit: int,
    cursor: str | None,
) -> ChannelEventPage:
    """The channel's events, newest first, optionally in one state (admins only)."""
    channel_id = await _channel_id(session, principal, code)
    before = decode_cursor(cursor, int)[0] if cursor is not None else None
    rows = await session.execute(
        _LIST, {"channel_id": channel_id, "state": state, "before": before, "limit": limit + 1}
    )
    items = [_out(row) for row in rows]
    more = len(items) > limit
    items = items[:limit]
    return ChannelEventPage(items=items, next_cursor=encode_cursor(items[-1].id) if more else None)


async def retry_channel_event(
    session: AsyncSession, principal: Principal, code: str, event_id: int
) -> ChannelEventOut:
    """Apply a failed event again (its job runs after commit); InvalidState for an event
    in any other state, NotFound for one the channel does not have."""
    channel_id = await _channel_id(session, principal, code)
    key = {"channel_id": channel_id, "id": event_id}
    if await session.scalar(_REOPEN, key) is None:
        await _not_failed(session, key, "retried")
    enqueue_after_commit(session, ApplyChannelEvent(event_id=event_id))
    return _out((await session.execute(_ONE, key)).one())


class DismissIn(Input, frozen=True, kw_only=True):
    """Why a failed event will not be retried (the order was entered by hand, the partner
    cancelled it...): kept on the event with who said it."""

    reason: Annotated[str, msgspec.Meta(min_length=3, max_length=500, pattern=r"\S")]


async def dismiss_channel_event(
    session: AsyncSession, principal: Principal, code: str, event_id: int, data: DismissIn
) -> ChannelEventOut:
    """Settle a failed event as ``ignored`` (outcome ``dismissed``) with the reason: it no
    longer counts as failed in the sync status, and is deleted with the other settled
    events after ``OMS_CHANNEL_EVENT_KEEP_DAYS``. InvalidState for an event in any other
    state, NotFound for one the channel does not have."""
    channel_id = await _channel_id(session, principal, code)
    key = {"channel_id": channel_id, "id": event_id}
    note = f"dismissed by {principal.actor}: {data.reason}"
    if await session.scalar(_DISMISS, key | {"note": note}) is None:
        await _not_failed(session, key, "dismissed")
    return _out((await session.execute(_ONE, key)).one())


async def _not_failed(session: AsyncSession, key: dict[str, int], done: str) -> NoReturn:
    """Why an action on failed events found nothing to do: no such event (NotFound), or
    it is in another state (InvalidState)."""
    state = await session.scalar(_STATE, key)
    if state is None:
        raise NotFound("event not found", event_id=key["id"])
    raise InvalidState(f"only a failed event can be {done}; this one is {state}")


async def _channel_id(session: AsyncSession, principal: Principal, code: str) -> int:
    # A channel's partner traffic is its administration's business: admins only.
    require(principal, Action.MANAGE_CHANNELS)
    channel_id = await session.scalar(_CHANNEL, {"code": code})
    if channel_id is None:
        raise NotFound(f"channel {code!r} not found", channel=code)
    return int(channel_id)


def _out(row: Row[Any]) -> ChannelEventOut:
    return ChannelEventOut(**row._mapping)
