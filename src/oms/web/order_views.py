"""Taking an order on the shop floor: the basket the page carries, money in the channel's
currency, what a scan adds, the stores to collect from, the customer's language, and the
placed order in plain words.

The basket lives in the form itself, as one hidden JSON field (``basket``) that each scan,
+/-, remove or price change posts back and gets re-rendered: nothing is stored on the
server until the order is placed, so a tablet that goes to sleep or a second tab loses
nothing and leaves nothing behind, and the placement form carries everything it places.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

import msgspec
import segno
from babel.numbers import format_currency, get_currency_precision
from sqlalchemy.ext.asyncio import AsyncSession

from oms.catalogue.schemas import LocationOut
from oms.catalogue.services.locations import get_location, list_locations
from oms.catalogue.services.skus import get_sku, search_skus
from oms.domain import gtin
from oms.domain.errors import InvalidInput, NotFound
from oms.i18n import SUPPORTED
from oms.orders.schemas import OrderOut
from oms.tracking.services.page import language_choices

MAX_BASKET_LINES = 50
MAX_UNITS = 999
LOCALE = "en_GB"


class BasketLine(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    sku: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    quantity: Annotated[int, msgspec.Meta(ge=1, le=MAX_UNITS)] = 1
    # A typed-in unit price in minor units, with the reason; None: the list price.
    price: Annotated[int, msgspec.Meta(ge=0, le=10**12)] | None = None
    reason: Annotated[str, msgspec.Meta(max_length=200)] = ""


Basket = list[BasketLine]


def read_basket(raw: str) -> Basket:
    """The basket a form carried; InvalidInput if it was tampered with or is too big."""
    if not raw.strip():
        return []
    try:
        basket = msgspec.json.decode(raw, type=list[BasketLine])
    except msgspec.ValidationError as exc:
        raise InvalidInput(f"the basket could not be read: {exc}") from exc
    except msgspec.DecodeError as exc:
        raise InvalidInput("the basket could not be read") from exc
    if len(basket) > MAX_BASKET_LINES:
        raise InvalidInput(f"at most {MAX_BASKET_LINES} lines in one order")
    return basket


def write_basket(basket: Basket) -> str:
    return msgspec.json.encode(basket).decode()


def add_units(basket: Basket, sku: str, units: int = 1) -> Basket:
    """One more line per new SKU; another scan of a SKU already there adds a unit."""
    for index, line in enumerate(basket):
        if line.sku == sku:
            quantity = min(MAX_UNITS, line.quantity + units)
            return [
                *basket[:index],
                msgspec.structs.replace(line, quantity=quantity),
                *basket[index + 1 :],
            ]
    if len(basket) >= MAX_BASKET_LINES:
        raise InvalidInput(f"at most {MAX_BASKET_LINES} lines in one order")
    return [*basket, BasketLine(sku=sku, quantity=max(1, min(MAX_UNITS, units)))]


def change_line(basket: Basket, sku: str, **changes: Any) -> Basket:
    """The basket with ``sku``'s line changed (quantity 0 removes it)."""
    result = []
    for line in basket:
        if line.sku == sku:
            line = msgspec.structs.replace(line, **changes)
            if line.quantity < 1:
                continue
            line = msgspec.structs.replace(line, quantity=min(MAX_UNITS, line.quantity))
        result.append(line)
    return result


def minor_units(typed: str, currency: str) -> int:
    """A price typed as ``12.50`` (or ``12,50``) in minor units of ``currency``."""
    digits = get_currency_precision(currency)
    try:
        amount = Decimal(typed.strip().replace(",", "."))
    except InvalidOperation as exc:
        raise InvalidInput(f"{typed!r} is not a price") from exc
    if not amount.is_finite() or amount < 0 or amount >= 10**10:
        raise InvalidInput(f"{typed!r} is not a price")
    scaled = amount.scaleb(digits)
    if scaled != scaled.to_integral_value():
        raise InvalidInput(f"{typed!r} has more than {digits} decimals for {currency}")
    return int(scaled)


def money(amount: int | None, currency: str) -> str:
    """Minor units shown in the channel's currency, e.g. ``£12.50``."""
    if amount is None:
        return "—"
    digits = get_currency_precision(currency)
    return format_currency(Decimal(amount).scaleb(-digits), currency, locale=LOCALE)


def major_units(amount: int, currency: str) -> str:
    """Minor units as typed into a price field, e.g. ``12.50``."""
    digits = get_currency_precision(currency)
    return f"{Decimal(amount).scaleb(-digits):.{digits}f}"


@dataclass(frozen=True, slots=True)
class Scanned:
    sku: str | None  # the one SKU the scan names
    choices: list[tuple[str, str]]  # (code, name) when a name matches several


async def resolve_scan(session: AsyncSession, text: str) -> Scanned:
    """The SKU a scan or a typed code names; a typed name may match several."""
    text = text.strip()
    if not text:
        raise InvalidInput("scan or type a SKU code, barcode or name")
    try:
        exact = await get_sku(session, text)
    except NotFound:
        pass
    else:
        if exact.active:
            return Scanned(exact.code, [])
    page = await search_skus(session, q=text, active=True, limit=8)
    if gtin.is_valid(text):
        spellings = set(gtin.equivalents(gtin.normalise(text)))
        for item in page.items:
            if spellings & set(item.barcodes):
                return Scanned(item.code, [])
    if len(page.items) == 1:
        return Scanned(page.items[0].code, [])
    if not page.items:
        raise NotFound(f"no item for sale matches {text!r}", sku=text)
    return Scanned(None, [(item.code, item.name) for item in page.items])


async def pickup_stores(
    session: AsyncSession, channel_locations: list[str], wanted: str | None
) -> list[LocationOut]:
    """Stores a customer can collect from: the channel's own if it names any, else the
    network's, with ``wanted`` (the store the look-up pointed at) always among them."""
    if channel_locations:
        stores = [await get_location(session, code) for code in channel_locations]
    else:
        stores = (
            await list_locations(
                session, kind="store", active=True, capability="pickup", limit=100, cursor=None
            )
        ).items
    if wanted and all(store.code != wanted for store in stores):
        with contextlib.suppress(NotFound):
            stores = [await get_location(session, wanted), *stores]
    return [s for s in stores if s.active and "pickup" in s.capabilities]


def customer_languages() -> dict[str, str]:
    """The languages we write the customer's tracking page and messages in, by code, each
    named in itself ("Română") as the tracking page's own language switcher names them."""
    return {choice.code: choice.name for choice in language_choices("")}


def customer_language(chosen: str) -> str | None:
    """The language picked for the customer (None: not set). The form offers only the
    languages we write in, so anything else is a stale or forged form and is refused."""
    code = chosen.strip()
    if not code:
        return None
    if code not in SUPPORTED:
        raise InvalidInput(
            f"{code!r} is not a language we write to customers in: choose one from the list"
        )
    return code


def routing_in_words(order: OrderOut, store_names: dict[str, str]) -> list[str]:
    """What happens next, one sentence per fulfilment (and one for what waits for stock)."""

    def named(code: str | None) -> str:
        return f"{store_names.get(code or '', code)} ({code})" if code else "?"

    words = []
    for f in order.fulfilments:
        units = sum(line.quantity for line in f.lines)
        if f.method == "pickup":
            waits = " once the stock sent there arrives" if f.awaits else ""
            words.append(f"{units} unit(s) to collect at {named(f.location)}{waits}.")
        elif f.method == "transfer":
            words.append(
                f"{units} unit(s) sent from {named(f.location)} to {named(f.destination)}."
            )
        else:
            words.append(f"{units} unit(s) shipped from {named(f.location)}.")
    waiting = sum(line.backordered for line in order.lines)
    if waiting:
        words.append(f"{waiting} unit(s) backordered: they ship when stock arrives.")
    return words


def tracking_link(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/track/{token}"


def qr_svg(url: str) -> str:
    """The tracking link as an inline SVG QR code (segno escapes nothing it does not make)."""
    return str(segno.make(url, error="m").svg_inline(scale=5, title="Tracking link QR code"))
