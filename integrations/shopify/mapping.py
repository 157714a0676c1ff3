"""A Shopify REST order as our ``POST /orders`` body without ``channel`` (pure).

What we rely on in Shopify's Order resource:

* lines: ``sku`` (required: our catalogue is keyed by it), ``current_quantity`` (what is
  left after edits and removals; ``quantity`` when absent), ``price`` (the unit price as a
  decimal string in the order's ``currency``). Lines with nothing left are skipped; a
  cancelled order whose lines were all zeroed keeps its original quantities, so its body
  still says what was ordered.
* local pickup: REST has no pickup flag of its own (the authoritative one is the
  fulfillment order's ``deliveryMethod.methodType = PICK_UP`` and its assigned location,
  GraphQL only). A shipping line whose ``delivery_category`` is ``pickup`` (or
  ``pick-up``/``pick_up``) marks the order as collected in store. The store is the
  order's ``location_id``, else the shipping line's ``code``; either may be the numeric
  id or its ``gid://shopify/Location/<n>`` form, and must be one ``stores`` maps to our
  location code (else PayloadError: we will not guess a store). Shops have been seen
  sending pickups with ``delivery_category`` null and the location's name as ``code``;
  such an order has no ``shipping_address`` either, so it fails visibly (PayloadError)
  instead of being shipped.
* otherwise ``shipping_address`` is a "ship" delivery.
* customer: the customer's name, else the shipping then billing address name, else
  "Shopify customer"; email and phone from the order, then the customer, then the
  addresses, each kept only when it looks valid to our API.
* language: ``customer_locale`` (the language the customer used at checkout, e.g. "en",
  "fr-CA") when it is a well-formed tag our API accepts; left out otherwise (null, absent,
  not text, malformed): it only chooses the words the customer reads, so a shop's odd
  value never costs the order.
* total: the goods subtotal Shopify computed (``current_subtotal_price``, else
  ``subtotal_price``), which must equal the sum of our lines. The order's grand total
  adds shipping and taxes our lines do not carry, and with discounts the lines keep their
  list price, so with discounts the total is left out rather than refused.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from integrations.shopify.money import minor_units
from integrations.shopify.wire import LineItem, Order, OrderAddress, ShippingLine
from oms.domain.channel_sync import PartnerOrder, PayloadError
from oms.domain.language import language_tag

PICKUP_CATEGORIES = frozenset({"pickup", "pick-up", "pick_up"})
LOCATION_GID_PREFIX = "gid://shopify/Location/"
FALLBACK_NAME = "Shopify customer"
# The same shapes our order API accepts (oms.orders.schemas), so a poor value is dropped
# here instead of refusing the whole order.
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^\+?[0-9 ()\-.]+$")
NAME_LIMIT = 200


def partner_order(order: Order, stores: Mapping[str, str], *, cancelled: bool) -> PartnerOrder:
    """``order`` as a PartnerOrder; ``cancelled`` also when ``cancelled_at`` is set."""
    is_cancelled = cancelled or order.cancelled_at is not None
    lines, original = _lines(order, keep_original=is_cancelled)
    body: dict[str, Any] = {
        "external_id": str(order.id),
        "customer": _customer(order),
        "lines": lines,
        "deliveries": [_delivery(order, stores)],
    }
    total = _total(order, original=original)
    if total is not None:
        body["total"] = {"amount": total, "currency": order.currency}
    language = language_tag(order.customer_locale)
    if language is not None:
        body["language"] = language
    return PartnerOrder(
        external_id=str(order.id), updated_at=order.updated_at, cancelled=is_cancelled, order=body
    )


def location_key(value: str | int) -> str:
    """A Shopify location id, numeric or GID, reduced to its number (as text)."""
    text = str(value).strip()
    return text.removeprefix(LOCATION_GID_PREFIX)


def _lines(order: Order, *, keep_original: bool) -> tuple[list[dict[str, Any]], bool]:
    """The lines with a quantity left, and whether they are the original quantities
    instead (a cancelled order with nothing left)."""
    lines = [
        _line(order, number, item, quantity)
        for number, item in enumerate(order.line_items, start=1)
        if (quantity := _left(item)) > 0
    ]
    if lines:
        return lines, False
    if keep_original:
        lines = [
            _line(order, number, item, item.quantity)
            for number, item in enumerate(order.line_items, start=1)
            if item.quantity > 0
        ]
    if not lines:
        raise PayloadError(f"order {order.id}: no line has a quantity left")
    return lines, True


def _left(item: LineItem) -> int:
    return item.current_quantity if item.current_quantity is not None else item.quantity


def _line(order: Order, number: int, item: LineItem, quantity: int) -> dict[str, Any]:
    where = f"line_items[{number - 1}]" + (f" ({item.title})" if item.title else "")
    if not item.sku or not item.sku.strip():
        raise PayloadError(f"order {order.id}: {where} has no sku")
    return {
        "sku": item.sku.strip(),
        "quantity": quantity,
        "unit_price": minor_units(item.price, order.currency, f"{where}.price"),
        "currency": order.currency,
    }


def _delivery(order: Order, stores: Mapping[str, str]) -> dict[str, Any]:
    pickup = _pickup_line(order.shipping_lines)
    if pickup is not None:
        return {"method": "pickup", "location": _pickup_store(order, pickup, stores)}
    if order.shipping_address is None:
        raise PayloadError(f"order {order.id}: neither a shipping_address nor a local pickup")
    return {"method": "ship", "address": _address(order.id, order.shipping_address)}


def _pickup_line(lines: list[ShippingLine]) -> ShippingLine | None:
    for line in lines:
        if (line.delivery_category or "").strip().lower() in PICKUP_CATEGORIES:
            return line
    return None


def _pickup_store(order: Order, line: ShippingLine, stores: Mapping[str, str]) -> str:
    known = {location_key(key): code for key, code in stores.items()}
    candidates = [str(order.location_id)] if order.location_id is not None else []
    if line.code:
        candidates.append(line.code)
    for candidate in candidates:
        code = known.get(location_key(candidate))
        if code is not None:
            return code
    named = ", ".join(repr(candidate) for candidate in candidates) or "no location"
    raise PayloadError(f"order {order.id}: local pickup at {named}, which is not one of our stores")


def _address(order_id: int, address: OrderAddress) -> dict[str, Any]:
    where = f"order {order_id}: shipping_address"
    required = {
        "line1": address.address1,
        "city": address.city,
        "postcode": address.zip,
        "country": address.country_code,
    }
    missing = [name for name, value in required.items() if not (value and value.strip())]
    if missing:
        raise PayloadError(f"{where} lacks {', '.join(missing)}")
    shaped: dict[str, Any] = {name: (value or "").strip() for name, value in required.items()}
    shaped["country"] = shaped["country"].upper()
    if address.address2 and address.address2.strip():
        shaped["line2"] = address.address2.strip()
    region = address.province or address.province_code
    if region and region.strip():
        shaped["region"] = region.strip()
    return shaped


def _customer(order: Order) -> dict[str, Any]:
    customer: dict[str, Any] = {"name": _name(order)}
    person = order.customer
    emails = [order.email, order.contact_email, person.email if person else None]
    email = next((value.strip() for value in emails if value and _is_email(value)), None)
    addresses = [order.shipping_address, order.billing_address]
    phones = [order.phone, person.phone if person else None]
    phones += [address.phone for address in addresses if address is not None]
    phone = next((value.strip() for value in phones if value and _is_phone(value)), None)
    if email is None and phone is None:
        raise PayloadError(f"order {order.id}: the customer has neither an email nor a phone")
    if email is not None:
        customer["email"] = email
    if phone is not None:
        customer["phone"] = phone
    return customer


def _name(order: Order) -> str:
    people: list[tuple[str | None, str | None, str | None]] = []
    if order.customer is not None:
        people.append((None, order.customer.first_name, order.customer.last_name))
    for address in (order.shipping_address, order.billing_address):
        if address is not None:
            people.append((address.name, address.first_name, address.last_name))
    for full, first, last in people:
        name = (full or " ".join(part.strip() for part in (first, last) if part)).strip()
        if name:
            return name[:NAME_LIMIT]
    return FALLBACK_NAME


def _is_email(value: str | None) -> bool:
    return value is not None and len(value.strip()) <= 320 and bool(EMAIL.match(value.strip()))


def _is_phone(value: str | None) -> bool:
    if value is None:
        return False
    text = value.strip()
    return 5 <= len(text) <= 32 and bool(PHONE.match(text))


def _total(order: Order, *, original: bool) -> int | None:
    """The goods subtotal to cross-check our lines with; the original one when the lines
    are the original quantities, None when discounts make the two incomparable."""
    if original:
        discounts, subtotal = order.total_discounts, order.subtotal_price
    else:
        discounts = order.current_total_discounts or order.total_discounts
        subtotal = order.current_subtotal_price or order.subtotal_price
    if subtotal is None or (discounts is not None and _nonzero(discounts)):
        return None
    return minor_units(subtotal, order.currency, "subtotal_price")


def _nonzero(amount: str) -> bool:
    try:
        return Decimal(amount) != 0
    except InvalidOperation:
        raise PayloadError(f"total_discounts: {amount!r} is not a decimal amount") from None
