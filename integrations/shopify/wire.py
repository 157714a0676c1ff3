"""The parts of Shopify's REST ``Order`` resource we read (webhook bodies and orders.json).

Decoded leniently: plain structs, so the many fields we do not model are ignored. A field
Shopify always sends but we cannot do without is required here, and its absence becomes a
PayloadError naming its path. Optional parts default to None.
"""

from __future__ import annotations

from datetime import datetime

import msgspec


class OrderAddress(msgspec.Struct, kw_only=True):
    """A shipping or billing address."""

    name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    address1: str | None = None
    address2: str | None = None
    city: str | None = None
    province: str | None = None
    province_code: str | None = None
    zip: str | None = None
    country_code: str | None = None
    phone: str | None = None


class OrderCustomer(msgspec.Struct, kw_only=True):
    """The customer record embedded in an order."""

    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None


class LineItem(msgspec.Struct, kw_only=True):
    """One product line. ``current_quantity`` is what is left after edits and removals."""

    id: int | None = None
    title: str | None = None
    sku: str | None = None
    quantity: int
    current_quantity: int | None = None
    price: str


class ShippingLine(msgspec.Struct, kw_only=True):
    """The delivery method chosen at checkout."""

    code: str | None = None
    title: str | None = None
    source: str | None = None
    delivery_category: str | None = None


class Order(msgspec.Struct, kw_only=True):
    """A Shopify order, as far as placing it with us needs."""

    id: int
    updated_at: datetime
    currency: str
    line_items: list[LineItem]
    cancelled_at: datetime | None = None
    email: str | None = None
    contact_email: str | None = None
    phone: str | None = None
    customer: OrderCustomer | None = None
    shipping_address: OrderAddress | None = None
    billing_address: OrderAddress | None = None
    shipping_lines: list[ShippingLine] = []
    location_id: int | None = None
    current_subtotal_price: str | None = None
    subtotal_price: str | None = None
    current_total_discounts: str | None = None
    total_discounts: str | None = None
    # Any JSON at all: a locale we cannot use is dropped in the mapping, never a reason to
    # refuse the order (see mapping.py).
    customer_locale: object = None


class OrdersPage(msgspec.Struct, kw_only=True):
    """The body of ``GET orders.json``."""

    orders: list[Order]
