"""The prices of an order taken by store staff: the channel's list price, or a price typed
in with a reason and a manager's say-so.

Marketplaces send their own prices with each order; orders taken at the counter charge
ours. A price typed in instead (a damaged box, a price match) is money given away, so it
needs someone who may override prices at the store: the person taking the order if they
are its manager (or an admin), else a manager approving on the spot
(``oms.auth.services.approvals.manager_approval``). Every overridden line is written to
the order's timeline with who approved it and why.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from oms.channels.price_schemas import MAX_PRICE
from oms.channels.services.prices import priced_channel
from oms.db.models import ChannelPrice, Sku
from oms.domain.access import Action, Principal, may_override_price_at, require
from oms.domain.errors import Forbidden, InvalidInput, NotFound
from oms.domain.stock import MAX_QUANTITY
from oms.orders.services.events import EventKind, record_event

MAX_REASON_LENGTH = 500


@dataclass(frozen=True, slots=True)
class TypedPrice:
    """A price the associate typed in instead of the list price."""

    sku: str
    amount: int  # minor units of the channel's currency
    reason: str  # required, non-empty, at most 500 characters


@dataclass(frozen=True, slots=True)
class PricedLine:
    sku: str
    quantity: int
    unit_price: int  # minor units
    list_price: int | None  # the channel's price; None if the SKU has none
    overridden: bool
    # Why the price was typed in; None when the list price is charged.
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class PricedOrder:
    currency: str
    lines: list[PricedLine]
    # ``actor`` of whoever authorised the typed prices; None when none was typed.
    approved_by: str | None


async def price_staff_order(
    session: AsyncSession,
    principal: Principal,
    *,
    channel_code: str,
    lines: Sequence[tuple[str, int]],
    typed: Mapping[str, TypedPrice] = {},  # only read, so one shared default is safe
    approver: Principal | None = None,
    location_id: int | None = None,
) -> PricedOrder:
    """Price each (SKU code, quantity) line on the channel: its list price, or the price
    typed for the SKU when it differs from the list price (an override).

    ``approver``: a manager who approved on the spot, for a principal who may not override
    prices. ``location_id``: the store the order is taken at; without it, every store on
    the principal's token (an approver must manage them all).

    InvalidInput: a SKU with neither a list price nor a typed one, a typed price without a
    reason or for a SKU not on the order, a bad amount or quantity. NotFound: an unknown
    channel or SKU. Forbidden: prices typed and nobody here may override them.
    """
    require(principal, Action.READ_PRICES)
    _check_lines(lines)
    _check_typed(typed, {sku for sku, _ in lines})
    channel = await priced_channel(session, channel_code)
    list_prices = await _list_prices(session, channel.id, [sku for sku, _ in lines])
    priced: list[PricedLine] = []
    for sku, quantity in lines:
        listed, wanted = list_prices[sku], typed.get(sku)
        if wanted is not None and wanted.amount != listed:
            priced.append(
                PricedLine(sku, quantity, wanted.amount, listed, True, wanted.reason.strip())
            )
        elif listed is None:
            raise InvalidInput(
                f"SKU {sku} has no price on channel {channel.code}: a manager can enter one",
                sku=sku,
                channel=channel.code,
            )
        else:
            priced.append(PricedLine(sku, quantity, listed, listed, False))
    approved_by = None
    if any(line.overridden for line in priced):
        approved_by = _authoriser(principal, approver, location_id).actor
    return PricedOrder(channel.currency, priced, approved_by)


def _check_lines(lines: Sequence[tuple[str, int]]) -> None:
    if not lines:
        raise InvalidInput("an order needs at least one line")
    for sku, quantity in lines:
        if not 1 <= quantity <= MAX_QUANTITY:
            raise InvalidInput(
                f"quantity of {sku}: a whole number from 1 to {MAX_QUANTITY}", sku=sku
            )


def _check_typed(typed: Mapping[str, TypedPrice], ordered: set[str]) -> None:
    for sku, price in typed.items():
        if price.sku != sku:
            raise InvalidInput(f"a price typed for {sku} names SKU {price.sku}", sku=sku)
        if sku not in ordered:
            raise InvalidInput(f"a price is typed for {sku}, which is not on the order", sku=sku)
        if not 0 <= price.amount <= MAX_PRICE:
            raise InvalidInput(f"price of {sku}: whole minor units from 0 to {MAX_PRICE}", sku=sku)
        reason = price.reason.strip()
        if not reason:
            raise InvalidInput(f"price of {sku}: say why it differs from the list price", sku=sku)
        if len(reason) > MAX_REASON_LENGTH:
            raise InvalidInput(
                f"price of {sku}: the reason is longer than {MAX_REASON_LENGTH} characters",
                sku=sku,
            )


async def _list_prices(
    session: AsyncSession, channel_id: int, codes: Sequence[str]
) -> dict[str, int | None]:
    """Each SKU's price on the channel (None: it has none); NotFound naming unknown SKUs."""
    rows = await session.execute(
        select(Sku.code, ChannelPrice.amount)
        .outerjoin(
            ChannelPrice,
            and_(ChannelPrice.sku_id == Sku.id, ChannelPrice.channel_id == channel_id),
        )
        .where(Sku.code.in_(set(codes)))
    )
    found: dict[str, int | None] = {row.code: row.amount for row in rows}
    missing = sorted(set(codes) - found.keys())
    if missing:
        raise NotFound(f"unknown SKU(s): {', '.join(missing)}", skus=missing)
    return found


def _authoriser(
    principal: Principal, approver: Principal | None, location_id: int | None
) -> Principal:
    """Who may override prices for this order: the principal, else the approver, at the
    store (or every store of the principal's token); Forbidden if neither."""
    if location_id is not None and not principal.sees_location(location_id):
        raise Forbidden("this order is taken at a store outside this token's scope")
    stores = {location_id} if location_id is not None else principal.location_ids
    for candidate in (principal, approver):
        if candidate is None or not candidate.may(Action.OVERRIDE_PRICE):
            continue
        if all(may_override_price_at(candidate, store) for store in stores):
            return candidate
    raise Forbidden("a price typed in needs a store manager's approval")


async def record_price_overrides(
    session: AsyncSession, order_id: uuid.UUID, priced: PricedOrder, actor: str
) -> None:
    """Append one ``PRICE_OVERRIDDEN`` event per overridden line to the order's timeline,
    in the caller's transaction (the order's own)."""
    for line in priced.lines:
        if line.overridden:
            await record_event(
                session,
                order_id,
                EventKind.PRICE_OVERRIDDEN,
                actor,
                detail={
                    "sku": line.sku,
                    "currency": priced.currency,
                    "list_price": line.list_price,
                    "price": line.unit_price,
                    "reason": line.reason,
                    "approved_by": priced.approved_by,
                },
            )
