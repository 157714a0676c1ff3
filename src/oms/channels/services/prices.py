"""Channel price lists: a SKU's price on a channel, in the channel's currency.

What orders taken by store staff charge (marketplaces send their own prices with each
order). Admins set, import and delete prices; admins and store staff read them (staff
quote them at the counter); a channel's machine client does not. Every write is one
``INSERT ... ON CONFLICT`` statement, so two writers of the same price never race a read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Row, delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from oms.channels.price_schemas import PriceIn, PriceOut, PricePage
from oms.db.models import Channel, ChannelPrice, Sku
from oms.domain.access import Action, Principal, require
from oms.domain.cursors import decode_cursor, encode_cursor
from oms.domain.errors import InvalidState, NotFound

# The most SKU codes one list may name (``?sku=`` repeated).
MAX_LISTED_SKUS = 100


@dataclass(frozen=True, slots=True)
class PricedChannel:
    id: int
    code: str
    currency: str


async def priced_channel(session: AsyncSession, code: str) -> PricedChannel:
    """The channel's id and currency (active or not); NotFound for an unknown code."""
    row = (
        await session.execute(select(Channel.id, Channel.currency).where(Channel.code == code))
    ).one_or_none()
    if row is None:
        raise NotFound(f"channel {code!r} not found", channel=code)
    return PricedChannel(row.id, code, row.currency)


async def _priced_sku(session: AsyncSession, code: str) -> int:
    """The id of an active SKU; NotFound if unknown, InvalidState if inactive (a SKU no
    longer sold gets no new price)."""
    row = (await session.execute(select(Sku.id, Sku.active).where(Sku.code == code))).one_or_none()
    if row is None:
        raise NotFound(f"SKU {code!r} not found", sku=code)
    if not row.active:
        raise InvalidState(f"SKU {code!r} is inactive: activate it before pricing it", sku=code)
    return int(row.id)


def _no_price(channel: PricedChannel, sku: str) -> NotFound:
    return NotFound(
        f"SKU {sku!r} has no price on channel {channel.code!r}", channel=channel.code, sku=sku
    )


def _out(row: Row[str, int, datetime, str], currency: str) -> PriceOut:
    return PriceOut(
        sku=row.sku,
        amount=row.amount,
        currency=currency,
        updated_at=row.updated_at,
        updated_by=row.updated_by,
    )


_READ = (
    select(
        Sku.code.label("sku"), ChannelPrice.amount, ChannelPrice.updated_at, ChannelPrice.updated_by
    )
    .join(Sku, Sku.id == ChannelPrice.sku_id)
    .order_by(Sku.code)
)


async def set_price(
    session: AsyncSession, principal: Principal, code: str, sku: str, data: PriceIn
) -> PriceOut:
    """Create or replace the SKU's price on the channel (admins only)."""
    require(principal, Action.MANAGE_PRICES)
    channel = await priced_channel(session, code)
    sku_id = await _priced_sku(session, sku)
    statement = pg_insert(ChannelPrice).values(
        channel_id=channel.id, sku_id=sku_id, amount=data.amount, updated_by=principal.actor
    )
    row = (
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=[ChannelPrice.channel_id, ChannelPrice.sku_id],
                set_={
                    "amount": statement.excluded.amount,
                    "updated_by": statement.excluded.updated_by,
                    "updated_at": func.now(),
                },
            ).returning(ChannelPrice.amount, ChannelPrice.updated_at, ChannelPrice.updated_by)
        )
    ).one()
    return PriceOut(
        sku=sku,
        amount=row.amount,
        currency=channel.currency,
        updated_at=row.updated_at,
        updated_by=row.updated_by,
    )


async def get_price(session: AsyncSession, principal: Principal, code: str, sku: str) -> PriceOut:
    """The SKU's price on the channel (admins and store staff); NotFound for an unknown
    channel or a SKU without a price there."""
    require(principal, Action.READ_PRICES)
    channel = await priced_channel(session, code)
    row = (
        await session.execute(_READ.where(ChannelPrice.channel_id == channel.id, Sku.code == sku))
    ).one_or_none()
    if row is None:
        raise _no_price(channel, sku)
    return _out(row, channel.currency)


async def list_prices(
    session: AsyncSession,
    principal: Principal,
    code: str,
    *,
    skus: list[str] | None = None,
    sku_prefix: str | None = None,
    limit: int,
    cursor: str | None,
) -> PricePage:
    """The channel's prices in SKU code order (admins and store staff): all of them, those
    of the SKUs named, or those whose code starts with ``sku_prefix``."""
    require(principal, Action.READ_PRICES)
    channel = await priced_channel(session, code)
    query = _READ.where(ChannelPrice.channel_id == channel.id).limit(limit + 1)
    if skus:
        query = query.where(Sku.code.in_(skus))
    if sku_prefix:
        query = query.where(Sku.code.startswith(sku_prefix, autoescape=True))
    if cursor is not None:
        query = query.where(Sku.code > decode_cursor(cursor, str)[0])
    found = (await session.execute(query)).all()
    items = [_out(row, channel.currency) for row in found[:limit]]
    more = len(found) > limit
    return PricePage(items=items, next_cursor=encode_cursor(items[-1].sku) if more else None)


async def delete_price(session: AsyncSession, principal: Principal, code: str, sku: str) -> None:
    """Remove the SKU's price from the channel (admins only): staff orders for it then need
    a price typed in by a manager. NotFound when it has none."""
    require(principal, Action.MANAGE_PRICES)
    channel = await priced_channel(session, code)
    sku_ids = select(Sku.id).where(Sku.code == sku).scalar_subquery()
    removed = await session.scalar(
        delete(ChannelPrice)
        .where(ChannelPrice.channel_id == channel.id, ChannelPrice.sku_id == sku_ids)
        .returning(ChannelPrice.sku_id)
    )
    if removed is None:
        raise _no_price(channel, sku)
