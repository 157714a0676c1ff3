"""The basket as the order page shows it: each line's item, quantity and price in the
channel's currency, priced by the channel's price list exactly as placement will price it
(``oms.orders.services.staff_prices``), typed-in prices marked, and what is still missing
before the order can be placed (a price, a manager's approval)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from oms.catalogue.services.skus import get_sku
from oms.domain.access import Principal, may_override_price_at
from oms.domain.errors import DomainError, NotFound
from oms.orders.services.staff_prices import PricedOrder, TypedPrice, price_staff_order
from oms.web.order_views import Basket, major_units, money, write_basket


@dataclass(frozen=True, slots=True)
class LineView:
    sku: str
    name: str
    quantity: int
    unit: str  # the unit price as shown, or "—" while unknown
    total: str
    list_price: str | None  # shown next to a typed price
    typed: bool
    reason: str
    typed_amount: str  # a typed price as the price field shows it


@dataclass(frozen=True, slots=True)
class BasketView:
    lines: list[LineView]
    json: str  # the hidden field the forms carry
    currency: str | None
    total: str | None
    problem: str | None  # why the basket cannot be priced as it stands
    needs_approval: bool  # typed prices a manager must approve (the user may not)


def typed_prices(basket: Basket) -> dict[str, TypedPrice]:
    return {
        line.sku: TypedPrice(sku=line.sku, amount=line.price, reason=line.reason)
        for line in basket
        if line.price is not None
    }


async def price_basket(
    session: AsyncSession,
    principal: Principal,
    channel_code: str,
    basket: Basket,
    here_id: int,
    approver: Principal | None = None,
) -> PricedOrder:
    """The basket priced for the channel, typed prices included (the service refuses them
    unless ``principal`` or ``approver`` may override prices)."""
    return await price_staff_order(
        session,
        principal,
        channel_code=channel_code,
        lines=[(line.sku, line.quantity) for line in basket],
        typed=typed_prices(basket),
        approver=approver,
        location_id=here_id,
    )


async def _names(session: AsyncSession, basket: Basket) -> dict[str, str]:
    names = {}
    for line in basket:
        try:
            names[line.sku] = (await get_sku(session, line.sku)).name
        except NotFound:
            names[line.sku] = "(unknown item)"
    return names


async def basket_view(
    session: AsyncSession,
    principal: Principal,
    channel: tuple[str, str] | None,
    basket: Basket,
    here_id: int,
) -> BasketView:
    """``channel`` is (code, currency); None when no channel takes staff orders here."""
    names = await _names(session, basket)
    needs_approval = any(line.price is not None for line in basket) and not (
        may_override_price_at(principal, here_id)
    )
    priced: PricedOrder | None = None
    problem = None
    # Typed prices waiting for a manager are shown as typed and priced at placement, when
    # the approval comes with the form; meanwhile only the other lines are priced.
    to_price = [line for line in basket if not (needs_approval and line.price is not None)]
    if channel is not None and to_price:
        try:
            priced = await price_staff_order(
                session,
                principal,
                channel_code=channel[0],
                lines=[(line.sku, line.quantity) for line in to_price],
                typed={} if needs_approval else typed_prices(basket),
                location_id=here_id,
            )
        except DomainError as exc:
            problem = exc.detail or exc.title
    currency = priced.currency if priced else (channel[1] if channel else None)
    listed = {line.sku: line for line in priced.lines} if priced else {}
    lines = []
    units: list[int | None] = []
    for line in basket:
        got = listed.get(line.sku)
        unit = line.price if line.price is not None else (got.unit_price if got else None)
        units.append(None if unit is None else unit * line.quantity)
        lines.append(
            LineView(
                sku=line.sku,
                name=names[line.sku],
                quantity=line.quantity,
                unit=money(unit, currency) if currency else "—",
                total=money(units[-1], currency) if currency else "—",
                list_price=money(got.list_price, currency)
                if currency and got is not None and got.list_price is not None
                else None,
                typed=line.price is not None,
                reason=line.reason,
                typed_amount=major_units(line.price, currency)
                if currency and line.price is not None
                else "",
            )
        )
    known = [amount for amount in units if amount is not None]
    total = (
        money(sum(known), currency) if currency and basket and len(known) == len(units) else None
    )
    return BasketView(
        lines=lines,
        json=write_basket(basket),
        currency=currency,
        total=total,
        problem=problem,
        needs_approval=needs_approval,
    )
