"""What the stock work and returns screens need besides the services they call: a scan
resolved to its SKU, form fields turned into the API's own request bodies (so every limit
the API has applies here too), the levels a change left behind, and what of an order can
still come back.

Nothing here decides who may do what: the services do, through ``oms.domain.access``.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from babel.numbers import get_currency_precision
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from oms.db.models import Order
from oms.domain.access import Principal
from oms.domain.errors import InvalidInput, NotFound
from oms.domain.fulfilment_flow import DELIVERED_STATES
from oms.fulfilment.schemas import ReturnOut
from oms.inventory.schemas import LevelOut, TransferList
from oms.inventory.services import levels, transfers
from oms.inventory.services.lookup import lookup_stock
from oms.orders.schemas import OrderOut

T = TypeVar("T")

# Reasons offered for an adjustment. The API takes any reason code; these are the ones a
# store uses day to day, in the API's own spelling.
ADJUSTMENT_REASONS: tuple[tuple[str, str], ...] = (
    ("found", "Found"),
    ("lost", "Lost"),
    ("stolen", "Stolen"),
    ("miscount", "Miscounted before"),
    ("supplier_error", "Supplier sent the wrong quantity"),
    ("recount_correction", "Correction after a recount"),
)
# Why a customer brought something back, offered on the returns screen.
RETURN_REASONS: tuple[tuple[str, str], ...] = (
    ("unwanted", "No longer wanted"),
    ("wrong_size", "Wrong size or fit"),
    ("faulty", "Faulty"),
    ("damaged_in_transit", "Damaged on the way"),
    ("not_as_described", "Not as described"),
)


def whole_number(value: str, field: str, *, minimum: int) -> int:
    """A typed quantity: a whole number at least ``minimum`` (the API holds the upper limit)."""
    text = value.strip()
    if not text.isdigit() or len(text) > 12 or int(text) < minimum:
        raise InvalidInput(f"{field} must be a whole number from {minimum}", field=field)
    return int(text)


@dataclass(frozen=True, slots=True)
class ScannedSku:
    code: str
    name: str


async def scanned_sku(session: AsyncSession, scan: str) -> ScannedSku:
    """The SKU a scan names: its code, or any of its barcodes (the network look-up's own
    resolution). NotFound for an empty scan or one that names nothing."""
    ref = scan.strip()
    if not ref:
        raise NotFound("scan or type a SKU code or barcode first")
    found = await lookup_stock(session, ref)
    return ScannedSku(code=found.sku, name=found.name)


async def levels_at(
    session: AsyncSession, principal: Principal, location: str, skus: Iterable[str]
) -> list[LevelOut]:
    """The levels of ``skus`` at ``location`` as this transaction sees them, read through the
    API's level list (so its scope rules apply); SKUs never stocked there are left out."""
    found: list[LevelOut] = []
    for sku in dict.fromkeys(skus):
        page = await levels.list_levels(
            session, principal, location=location, sku=sku, needs_count=None, limit=1, cursor=None
        )
        found.extend(page.items)
    return found


# Transfers shown as arriving per page; the rest are a "more" link away.
ARRIVING_SHOWN = 50


async def arriving_transfers(
    session: AsyncSession, principal: Principal, location: str, cursor: str | None = None
) -> TransferList:
    """A page of transfers in transit to ``location``, newest first, through the API's
    transfer list."""
    return await transfers.list_transfers(
        session,
        principal,
        location=location,
        status="in_transit",
        direction="in",
        limit=ARRIVING_SHOWN,
        cursor=cursor,
    )


async def order_id_by_number(session: AsyncSession, number: int) -> uuid.UUID:
    """The id of the order with this number; NotFound if none. Who may read it is checked
    by the order's own read (``orders.services.queries.order_for``)."""
    order_id = await session.scalar(select(Order.id).where(Order.number == number))
    if order_id is None:
        raise NotFound("order not found")
    return order_id


def order_number(query: str) -> int | None:
    """The order number a search names ("100234" or "#100234"), if it is one."""
    digits = query.strip().removeprefix("#")
    if digits.isdigit() and len(digits) <= 18:
        return int(digits)
    return None


@dataclass(frozen=True, slots=True)
class ReturnableLine:
    line_no: int
    sku: str
    ordered: int
    delivered: int
    returned: int

    @property
    def returnable(self) -> int:
        return max(self.delivered - self.returned, 0)


def returnable_lines(order: OrderOut, returns: Iterable[ReturnOut]) -> list[ReturnableLine]:
    """Per order line: units delivered to the customer (shipped or picked up; transfers only
    move stock between our locations) and units already returned, as the returns service
    counts them when it checks a return."""
    delivered: dict[int, int] = defaultdict(int)
    for fulfilment in order.fulfilments:
        if fulfilment.method == "transfer" or fulfilment.state not in DELIVERED_STATES:
            continue
        for line in fulfilment.lines:
            delivered[line.line_no] += line.quantity - line.short
    returned: dict[int, int] = defaultdict(int)
    for given_back in returns:
        for returned_line in given_back.lines:
            returned[returned_line.line_no] += returned_line.quantity
    return [
        ReturnableLine(
            line_no=line.line_no,
            sku=line.sku,
            ordered=line.quantity,
            delivered=delivered[line.line_no],
            returned=returned[line.line_no],
        )
        for line in order.lines
    ]


def minor_units(amount: str, currency: str) -> int:
    """An amount typed in the currency's major unit ("12.50") in minor units (1250)."""
    text = amount.strip().replace(",", ".")
    if not text:
        return 0
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise InvalidInput(f"refund {amount!r} is not an amount", refund=amount) from None
    minor = value.scaleb(get_currency_precision(currency))
    if not value.is_finite() or value < 0 or minor != minor.to_integral_value():
        raise InvalidInput(f"refund {amount!r} is not an amount in {currency}", refund=amount)
    return int(minor)


def major_units(minor: int, currency: str) -> str:
    """Minor units written in the currency's major unit, for a form field's value."""
    return str(Decimal(minor).scaleb(-get_currency_precision(currency)))
