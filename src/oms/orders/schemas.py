"""Request and response bodies for orders."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, TypeAlias

import msgspec

from oms.catalogue.schemas import Address, Latitude, Longitude, Name
from oms.domain.fulfilment_flow import Method, State
from oms.domain.language import TAG_MAX_LENGTH, TAG_PATTERN
from oms.domain.patterns import whole
from oms.domain.stock import MAX_LINES
from oms.schemas import Code, Input, LocationCode, Output, Page, Quantity, ReasonCode

# Every struct restates frozen=True: type checkers do not carry it over from the base.

ChannelCode = Annotated[
    str, msgspec.Meta(min_length=1, max_length=32, pattern=whole(r"[A-Za-z0-9._\-]+"))
]
ExternalId = Annotated[str, msgspec.Meta(min_length=1, max_length=128, pattern=whole(r"\S+"))]
Currency = Annotated[
    str, msgspec.Meta(pattern=whole(r"[A-Z]{3}"), description="ISO 4217 code", examples=["GBP"])
]
# Minor units (pence, cents): money is never a float. One bound for a price and for an
# order's total (10 billion in a two-decimal currency), far inside a 64-bit column.
MAX_AMOUNT = 10**12
MinorUnits = Annotated[int, msgspec.Meta(ge=0, le=MAX_AMOUNT)]
Email = Annotated[str, msgspec.Meta(max_length=320, pattern=whole(r"[^@\s]+@[^@\s]+\.[^@\s]+"))]
Phone = Annotated[str, msgspec.Meta(min_length=5, max_length=32, pattern=whole(r"\+?[0-9 ()\-.]+"))]
# The customer's language as the channel knows it (BCP 47, e.g. "ro" or "pt-BR"): messages
# and the tracking page use it when it is one we speak.
LanguageTag = Annotated[
    str,
    msgspec.Meta(
        max_length=TAG_MAX_LENGTH,
        pattern=TAG_PATTERN,
        description="BCP 47 language tag",
        examples=["ro", "en-GB"],
    ),
]
DeliveryIndex = Annotated[int, msgspec.Meta(ge=0, le=19)]
LineNo = Annotated[int, msgspec.Meta(ge=1, le=MAX_LINES)]


class CustomerIn(Input, frozen=True, kw_only=True):
    name: Name
    email: Email | None = None
    phone: Phone | None = None

    def __post_init__(self) -> None:
        if self.email is None and self.phone is None:
            raise ValueError("customer: give an email or a phone number")


class ShipTo(Input, frozen=True, kw_only=True, tag="ship", tag_field="method"):
    """Deliver to an address; without lat/lon the service places it by postcode or city."""

    address: Address
    lat: Latitude | None = None
    lon: Longitude | None = None

    def __post_init__(self) -> None:
        if (self.lat is None) != (self.lon is None):
            raise ValueError("delivery: give both lat and lon, or neither")


class PickUpAt(Input, frozen=True, kw_only=True, tag="pickup", tag_field="method"):
    """Collect from a store."""

    location: LocationCode


Delivery = ShipTo | PickUpAt


class OrderLineIn(Input, frozen=True, kw_only=True):
    sku: Code
    quantity: Quantity
    unit_price: MinorUnits
    currency: Currency
    delivery: DeliveryIndex = 0


class MoneyIn(Input, frozen=True, kw_only=True):
    amount: MinorUnits
    currency: Currency


class OrderIn(Input, frozen=True, kw_only=True):
    channel: ChannelCode
    external_id: ExternalId
    customer: CustomerIn
    lines: Annotated[list[OrderLineIn], msgspec.Meta(min_length=1, max_length=MAX_LINES)]
    deliveries: Annotated[list[Delivery], msgspec.Meta(min_length=1, max_length=20)]
    # Optional: the total the channel computed; refused if it differs from the lines' sum.
    total: MoneyIn | None = None
    language: LanguageTag | None = None

    def __post_init__(self) -> None:
        currencies = {line.currency for line in self.lines}
        if len(currencies) > 1:
            raise ValueError(f"lines: one currency per order, got {sorted(currencies)}")
        for number, line in enumerate(self.lines, start=1):
            if line.delivery >= len(self.deliveries):
                raise ValueError(
                    f"lines: line {number} names delivery {line.delivery}, which is not given"
                )
        used = {line.delivery for line in self.lines}
        unused = sorted(set(range(len(self.deliveries))) - used)
        if unused:
            raise ValueError(f"deliveries: {unused} have no lines")
        check_total(sum(line.quantity * line.unit_price for line in self.lines))


def check_total(amount: int) -> None:
    """Refuse an order total we could not store or add up safely."""
    if amount > MAX_AMOUNT:
        raise ValueError(
            f"lines: the order total {amount} exceeds the limit of {MAX_AMOUNT} minor units"
        )


class LineChange(Input, frozen=True, kw_only=True):
    line_no: LineNo
    quantity: Annotated[int, msgspec.Meta(ge=0, le=1_000_000)]


class CancelIn(Input, frozen=True, kw_only=True):
    """Cancel the whole order (no lines) or the given units of some lines."""

    reason: ReasonCode = "customer_request"
    lines: Annotated[list[LineChange], msgspec.Meta(max_length=MAX_LINES)] | None = None


class EditIn(Input, frozen=True, kw_only=True):
    """New quantities for some lines (0 cancels the line); only before picking starts."""

    lines: Annotated[list[LineChange], msgspec.Meta(min_length=1, max_length=MAX_LINES)]


# ---- responses ---------------------------------------------------------------------------


class CustomerOut(Output, frozen=True, kw_only=True):
    id: uuid.UUID
    name: str
    email: str | None
    phone: str | None


class OrderLineOut(Output, frozen=True, kw_only=True):
    line_no: int
    sku: str
    quantity: int
    unit_price: int
    line_total: int
    delivery: int
    allocated: int
    backordered: int
    cancelled: int


class FulfilmentLineOut(Output, frozen=True, kw_only=True):
    line_no: int
    sku: str
    quantity: int
    short: int


# The domain's vocabulary, so the API cannot name a state or method the table refuses.
FulfilmentState: TypeAlias = State
FulfilmentMethod: TypeAlias = Method


class FulfilmentOut(Output, frozen=True, kw_only=True):
    id: uuid.UUID
    location: str
    method: FulfilmentMethod
    delivery: int
    state: FulfilmentState
    lines: list[FulfilmentLineOut]
    destination: str | None = None  # transfer: the pickup store it feeds
    awaits: uuid.UUID | None = None  # pickup: the transfer it waits for
    carrier: str | None = None
    tracking_number: str | None = None
    carrier_tracking_url: str | None = None  # the carrier's page for the parcel
    reason: str | None = None
    created_at: datetime
    updated_at: datetime


class OrderOut(Output, frozen=True, kw_only=True):
    id: uuid.UUID
    number: int
    channel: str
    external_id: str
    status: str
    customer: CustomerOut
    currency: str
    total: int
    lines: list[OrderLineOut]
    deliveries: list[dict[str, Any]]
    fulfilments: list[FulfilmentOut]
    tracking_token: str
    language: str | None
    created_at: datetime
    updated_at: datetime


class OrderSummary(Output, frozen=True, kw_only=True):
    id: uuid.UUID
    number: int
    channel: str
    external_id: str
    status: str
    customer_name: str
    currency: str
    total: int
    created_at: datetime


class OrderPage(Page, frozen=True, kw_only=True):
    items: list[OrderSummary]


class OrderEventOut(Output, frozen=True, kw_only=True):
    id: int
    kind: str
    actor: str
    fulfilment_id: uuid.UUID | None
    detail: dict[str, Any]
    created_at: datetime


class RoutingDecisionOut(Output, frozen=True, kw_only=True):
    id: int
    trigger: str
    attempts: int
    explanation: dict[str, Any]
    created_at: datetime


class OrderEventPage(Page, frozen=True, kw_only=True):
    items: list[OrderEventOut]


class RoutingDecisionPage(Page, frozen=True, kw_only=True):
    items: list[RoutingDecisionOut]
