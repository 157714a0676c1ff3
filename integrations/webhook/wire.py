"""The generic webhook channel's wire format (README.md in this package is its contract).

What partners send is decoded leniently: plain structs, unknown fields ignored, a missing
field we need is a decoding error naming its path. What we send is encoded from the
structs below, so the field order (and with it the content-derived message id) is fixed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

# The most quantities one message carries (the receiver may refuse more with 413).
BATCH_SIZE = 100
QUANTITIES_TYPE = "inventory.quantities"
ORDER_TYPES = frozenset({"order.created", "order.updated", "order.cancelled"})

# A partner's time must say which zone it is in; a naive time would be a guess.
ZonedTime = Annotated[datetime, msgspec.Meta(tz=True)]


# --- Outbound: quantities -------------------------------------------------------------


class QuantityOut(msgspec.Struct, frozen=True, kw_only=True):
    """One absolute quantity; ``previous`` is what we last sent there (None: never)."""

    sku: str
    location: str | None
    quantity: int
    previous: int | None


class QuantitiesData(msgspec.Struct, frozen=True, kw_only=True):
    channel: str
    quantities: list[QuantityOut]


class QuantitiesEvent(msgspec.Struct, frozen=True, kw_only=True):
    type: str
    timestamp: datetime
    data: QuantitiesData


class ItemError(msgspec.Struct, frozen=True, kw_only=True):
    """The receiver refused the quantity at ``index`` in the message."""

    index: int
    message: str = "rejected by the receiver"


class PushAnswer(msgspec.Struct, frozen=True, kw_only=True):
    """A receiver's answer body; without ``errors`` every item was applied."""

    errors: list[ItemError] = []


# --- Inbound: order events --------------------------------------------------------------


class EventHead(msgspec.Struct, frozen=True, kw_only=True):
    """Just enough of any event to know what it is."""

    type: str


class Customer(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    email: str | None = None
    phone: str | None = None


class Line(msgspec.Struct, frozen=True, kw_only=True):
    sku: str
    quantity: int
    unit_price: int  # minor units of the order's currency


class Address(msgspec.Struct, frozen=True, kw_only=True):
    line1: str
    line2: str | None = None
    city: str
    region: str | None = None
    postcode: str
    country: str


class Ship(msgspec.Struct, frozen=True, kw_only=True, tag="ship", tag_field="method"):
    address: Address
    lat: float | None = None
    lon: float | None = None


class Pickup(msgspec.Struct, frozen=True, kw_only=True, tag="pickup", tag_field="method"):
    location: str  # the partner's location id, or our location code


class OrderData(msgspec.Struct, frozen=True, kw_only=True):
    """An order as the partner has it now (every order event carries the whole order)."""

    id: str | int
    updated_at: ZonedTime
    currency: str
    customer: Customer
    lines: list[Line]
    delivery: Ship | Pickup
    cancelled_at: ZonedTime | None = None
    total: int | None = None  # minor units; checked against the lines by the service
    # The customer's language tag. Any JSON at all: one that is no well-formed tag is
    # dropped in the mapping, never a reason to fail the order (see orders.py).
    language: object = None


class OrderEvent(msgspec.Struct, frozen=True, kw_only=True):
    type: str
    data: OrderData
