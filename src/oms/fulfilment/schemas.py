"""Request and response bodies for the store's fulfilment work and for returns."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

import msgspec

from oms.domain.patterns import whole
from oms.domain.picking import MAX_SCAN_UNITS
from oms.domain.stock import MAX_LINES
from oms.orders.schemas import FulfilmentOut, FulfilmentState, LineNo, MinorUnits
from oms.schemas import Input, LocationCode, Note, Output, Page, Quantity, ReasonCode

# Every struct restates frozen=True: type checkers do not carry it over from the base.

Carrier = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"\S")]
TrackingNumber = Annotated[str, msgspec.Meta(min_length=1, max_length=128, pattern=whole(r"\S+"))]
# https only, with a host: customers are sent there from our page and our messages.
CarrierTrackingUrl = Annotated[
    str,
    msgspec.Meta(
        max_length=500,
        pattern=whole(r"https://[A-Za-z0-9.-]+(:[0-9]{1,5})?([/?#]\S*)?"),
        description="The carrier's page for this parcel (https)",
    ),
]
# Generous: people type spaces or dashes between groups; the comparison ignores them.
PickupCodeIn = Annotated[str, msgspec.Meta(min_length=1, max_length=32)]
OverrideReason = Annotated[str, msgspec.Meta(min_length=3, max_length=200, pattern=r"\S")]


# ---- requests ----------------------------------------------------------------------------


class ShipIn(Input, frozen=True, kw_only=True):
    """Carrier details for a parcel; a transfer to a store may leave them out."""

    carrier: Carrier | None = None
    tracking_number: TrackingNumber | None = None
    carrier_tracking_url: CarrierTrackingUrl | None = None


class PickIn(Input, frozen=True, kw_only=True):
    """Units scanned into the tote: an item's SKU code or barcode, and how many (a case
    scanned once may count several)."""

    code: Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"\S")]
    quantity: Annotated[int, msgspec.Meta(ge=1, le=MAX_SCAN_UNITS)] = 1


class HandOverIn(Input, frozen=True, kw_only=True):
    """The customer's pickup code, or (store managers only) why it is handed over without."""

    code: PickupCodeIn | None = None
    override_reason: OverrideReason | None = None

    def __post_init__(self) -> None:
        if (self.code is None) == (self.override_reason is None):
            raise ValueError("give either the pickup code or an override_reason")


class UnlockPickupCodeIn(Input, frozen=True, kw_only=True):
    """Why a locked pickup code may be tried again (e.g. the customer is here, ID checked)."""

    reason: OverrideReason


class ShortLineIn(Input, frozen=True, kw_only=True):
    line_no: LineNo
    quantity_short: Quantity
    reason: ReasonCode


class ShortPickIn(Input, frozen=True, kw_only=True):
    lines: Annotated[list[ShortLineIn], msgspec.Meta(min_length=1, max_length=MAX_LINES)]
    note: Note | None = None


class RejectIn(Input, frozen=True, kw_only=True):
    """Give the whole fulfilment back: every unit still carried is short for ``reason``."""

    reason: ReasonCode
    note: Note | None = None


Disposition = Literal["restock", "damaged"]


class ReturnLineIn(Input, frozen=True, kw_only=True):
    line_no: LineNo
    quantity: Quantity
    disposition: Disposition
    reason: ReasonCode | None = None


class ReturnIn(Input, frozen=True, kw_only=True):
    location: LocationCode
    lines: Annotated[list[ReturnLineIn], msgspec.Meta(min_length=1, max_length=MAX_LINES)]
    # In the order's currency, at most what the returned lines cost.
    refund_amount: MinorUnits = 0
    note: Note | None = None


# ---- responses ---------------------------------------------------------------------------


class FulfilmentCard(Output, frozen=True, kw_only=True):
    """A fulfilment as the store sees it: its order, how long it has waited, what blocks it."""

    fulfilment: FulfilmentOut
    order_id: uuid.UUID
    order_number: int
    customer_name: str
    age_seconds: int  # since the fulfilment was created
    awaiting_transfer: bool  # a pickup whose stock is still on its way
    ready_at: datetime | None
    closed_at: datetime | None


class PickupCodeStatus(Output, frozen=True, kw_only=True):
    """Where a pickup's code stands; the code itself is never shown to the store."""

    fulfilment_id: uuid.UUID
    locked: bool
    failures: int  # wrong codes since it was issued or last unlocked
    attempts_left: int


class FulfilmentQueue(Page, frozen=True, kw_only=True):
    location: str
    states: list[FulfilmentState]
    items: list[FulfilmentCard]


class PickLine(Output, frozen=True, kw_only=True):
    line_no: int
    sku: str
    name: str
    barcodes: list[str]
    quantity: int  # to pick: ordered units at this store minus those already short
    picked: int = 0  # scanned into the tote so far (POST .../picks)


class PickList(Output, frozen=True, kw_only=True):
    fulfilment_id: uuid.UUID
    order_number: int
    location: str
    method: str
    state: FulfilmentState
    lines: list[PickLine]


class ReturnLineOut(Output, frozen=True, kw_only=True):
    line_no: int
    sku: str
    quantity: int
    disposition: Disposition
    reason: str | None


class ReturnOut(Output, frozen=True, kw_only=True):
    id: uuid.UUID
    order_id: uuid.UUID
    location: str
    lines: list[ReturnLineOut]
    refund_amount: int
    currency: str
    note: str | None
    actor: str
    created_at: datetime


class ReturnList(Page, frozen=True, kw_only=True):
    items: list[ReturnOut]
