"""Sales channels: create, read, change and deactivate (the policy orders read: ``policy``).

Channels are never deleted: orders point at them for good, so "delete" deactivates.
Every role may read channels, except that a channel's own machine client (an
``integration`` token) sees only its channel; the others do not exist for it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import msgspec
from sqlalchemy import Row, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from oms.channels.schemas import ChannelIn, ChannelKind, ChannelList, ChannelOut, ChannelPatch
from oms.channels.services import policy_cache
from oms.db.after_commit import after_commit
from oms.db.models import Channel, ChannelLocation, Location
from oms.domain.access import Action, Principal, channel_scope, require, sees_channel
from oms.domain.cursors import decode_cursor, encode_cursor
from oms.domain.errors import AlreadyExists, NotFound
from oms.outbox.stock_signals import mark_channel_pending

_LOCATION_CODES = (
    select(func.array_agg(aggregate_order_by(Location.code, Location.code)))
    .select_from(ChannelLocation)
    .join(Location, Location.id == ChannelLocation.location_id)
    .where(ChannelLocation.channel_id == Channel.id)
    .correlate(Channel)
    .scalar_subquery()
)
_READ = select(
    Channel.code,
    Channel.name,
    Channel.kind,
    Channel.currency,
    Channel.backorders,
    Channel.transfer_to_store,
    Channel.max_split,
    Channel.routing_rules,
    Channel.pickup_hold_days,
    Channel.staff_orders,
    Channel.customer_messages,
    Channel.active,
    Channel.created_at,
    Channel.updated_at,
    _LOCATION_CODES.label("locations"),
).order_by(Channel.code)


def _out(row: Row[Any]) -> ChannelOut:
    return ChannelOut(
        code=row.code,
        name=row.name,
        kind=row.kind,
        currency=row.currency,
        backorders=row.backorders,
        transfer_to_store=row.transfer_to_store,
        max_split=row.max_split,
        routing_rules=row.routing_rules,
        pickup_hold_days=row.pickup_hold_days,
        locations=list(row.locations or ()),
        staff_orders=row.staff_orders,
        customer_messages=list(row.customer_messages),
        active=row.active,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _not_found(code: str) -> NotFound:
    return NotFound(f"channel {code!r} not found", channel=code)


async def _location_ids(session: AsyncSession, codes: Iterable[str]) -> list[int]:
    """Ids of the named locations (active or not), or raise naming every unknown code."""
    wanted = set(codes)
    if not wanted:
        return []
    rows = await session.execute(
        select(Location.code, Location.id).where(Location.code.in_(wanted))
    )
    found: dict[str, int] = dict(rows.all())
    missing = sorted(wanted - found.keys())
    if missing:
        raise NotFound(f"unknown location(s): {', '.join(missing)}", locations=missing)
    return sorted(found.values())


async def _set_locations(session: AsyncSession, channel_id: int, location_ids: list[int]) -> None:
    await session.execute(delete(ChannelLocation).where(ChannelLocation.channel_id == channel_id))
    if location_ids:
        await session.execute(
            insert(ChannelLocation),
            [{"channel_id": channel_id, "location_id": i} for i in location_ids],
        )


async def _read(session: AsyncSession, code: str) -> ChannelOut:
    row = (await session.execute(_READ.where(Channel.code == code))).one_or_none()
    if row is None:
        raise _not_found(code)
    return _out(row)


async def create_channel(
    session: AsyncSession, principal: Principal, data: ChannelIn
) -> ChannelOut:
    """Insert a channel with its locations (admins only); AlreadyExists; NotFound for a location."""
    require(principal, Action.MANAGE_CHANNELS)
    location_ids = await _location_ids(session, data.locations)
    values = msgspec.structs.asdict(data)
    del values["locations"]
    if values["staff_orders"] is msgspec.UNSET:
        del values["staff_orders"]  # the model's default, by the channel's kind
    # ON CONFLICT: a concurrent create of the same code waits, then yields nothing here.
    channel_id = await session.scalar(
        pg_insert(Channel)
        .values(**values)
        .on_conflict_do_nothing(index_elements=[Channel.code])
        .returning(Channel.id)
    )
    if channel_id is None:
        raise AlreadyExists(f"channel {data.code!r} already exists", channel=data.code)
    await _set_locations(session, channel_id, location_ids)
    return await _read(session, data.code)


async def list_channels(
    session: AsyncSession,
    principal: Principal,
    *,
    kind: ChannelKind | None = None,
    active: bool | None = None,
    limit: int,
    cursor: str | None,
) -> ChannelList:
    """The channels the token sees (an integration token: only its own), filtered as asked,
    in code order."""
    query = _READ.limit(limit + 1)
    if cursor is not None:
        query = query.where(Channel.code > decode_cursor(cursor, str)[0])
    # A marketplace's client must not learn which other channels exist or their policy.
    own_channel = channel_scope(principal)
    if own_channel is not None:
        query = query.where(Channel.code == own_channel)
    if kind is not None:
        query = query.where(Channel.kind == kind)
    if active is not None:
        query = query.where(Channel.active.is_(active))
    found = (await session.execute(query)).all()
    items, more = [_out(row) for row in found[:limit]], len(found) > limit
    return ChannelList(items=items, next_cursor=encode_cursor(items[-1].code) if more else None)


async def get_channel(session: AsyncSession, principal: Principal, code: str) -> ChannelOut:
    """The channel if the token sees it; NotFound otherwise, as if it did not exist."""
    if not sees_channel(principal, code):
        raise _not_found(code)
    return await _read(session, code)


async def update_channel(
    session: AsyncSession, principal: Principal, code: str, data: ChannelPatch
) -> ChannelOut:
    """Change the fields given; given locations replace all (admins only); NotFound."""
    require(principal, Action.MANAGE_CHANNELS)
    changes = {
        name: value
        for name, value in msgspec.structs.asdict(data).items()
        if value is not msgspec.UNSET and name != "locations"
    }
    location_ids = None
    if isinstance(data.locations, list):
        location_ids = await _location_ids(session, data.locations)
    elif not changes:
        return await _read(session, code)
    # Also stamped when only the locations change: they are part of the channel's policy.
    channel_id = await session.scalar(
        update(Channel)
        .where(Channel.code == code)
        .values(**changes, updated_at=func.now())
        .returning(Channel.id)
        .execution_options(synchronize_session=False)
    )
    if channel_id is None:
        raise _not_found(code)
    if location_ids is not None:
        await _set_locations(session, channel_id, location_ids)
    if location_ids is not None or "active" in changes:
        # What the channel publishes follows both: its eligible locations feed its
        # quantity by default, and an inactive channel publishes 0.
        await mark_channel_pending(session, channel_id)
    # After commit, not now: a request reading the channel meanwhile would cache the old
    # policy again, and it would stay for the cache's lifetime.
    after_commit(session, lambda: policy_cache.forget(code))
    return await _read(session, code)


async def deactivate_channel(session: AsyncSession, principal: Principal, code: str) -> ChannelOut:
    """Stop taking orders on the channel; its orders and settings stay readable."""
    return await update_channel(session, principal, code, ChannelPatch(active=False))
