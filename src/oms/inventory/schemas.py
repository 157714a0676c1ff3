"""Request and response bodies for stock levels, movements, holds and transfers."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

import msgspec

from oms.domain.stock import MAX_LINES
from oms.schemas import (
    Code,
    Count,
    Delta,
    Input,
    LocationCode,
    Note,
    Output,
    Page,
    Quantity,
    ReasonCode,
    Reference,
)

# ---- holds -------------------------------------------------------------------------------


class HoldLineIn(Input, frozen=True):
    sku: Code
    quantity: Quantity


class HoldIn(Input, frozen=True):
    location: LocationCode
    lines: Annotated[list[HoldLineIn], msgspec.Meta(min_length=1, max_length=MAX_LINES)]
    # Seconds until the hold is released automatically; omit for a hold that never expires.
    expires_in_seconds: Annotated[int, msgspec.Meta(ge=1, le=30 * 24 * 3600)] | None = None
    reference: Reference | None = None


class HoldLineOut(Output, frozen=True):
    sku: str
    quantity: int


class HoldOut(Output, frozen=True):
    id: uuid.UUID
    location: str
    status: Literal["active", "released", "expired", "consumed"]
    lines: list[HoldLineOut]
    reference: str | None
    expires_at: datetime | None
    created_at: datetime
    closed_at: datetime | None


# ---- stock movements ---------------------------------------------------------------------


class QuantityLine(Input, frozen=True):
    sku: Code
    quantity: Quantity


class StockDocumentIn(Input, frozen=True):
    """Receipts, walk-in sales and damages: units of several SKUs at one location."""

    location: LocationCode
    lines: Annotated[list[QuantityLine], msgspec.Meta(min_length=1, max_length=MAX_LINES)]
    reference: Reference | None = None
    reason: ReasonCode | None = None
    note: Note | None = None


class AdjustmentLine(Input, frozen=True):
    sku: Code
    delta: Delta


class AdjustmentIn(Input, frozen=True):
    location: LocationCode
    reason: ReasonCode
    lines: Annotated[list[AdjustmentLine], msgspec.Meta(min_length=1, max_length=MAX_LINES)]
    reference: Reference | None = None
    note: Note | None = None


class CountLine(Input, frozen=True):
    sku: Code
    counted: Count


class CountIn(Input, frozen=True):
    location: LocationCode
    lines: Annotated[list[CountLine], msgspec.Meta(min_length=1, max_length=MAX_LINES)]
    reference: Reference | None = None
    note: Note | None = None


class SafetyStockIn(Input, frozen=True):
    safety_stock: Count


class LevelOut(Output, frozen=True):
    sku: str
    location: str
    on_hand: int
    reserved: int
    safety_stock: int
    available: int
    needs_count: bool


class MovementResultLine(Output, frozen=True):
    sku: str
    delta_on_hand: int
    level: LevelOut


class MovementResult(Output, frozen=True):
    kind: str
    location: str
    reference: str
    lines: list[MovementResultLine]


class MovementOut(Output, frozen=True):
    id: int
    sku: str
    location: str
    kind: str
    delta_on_hand: int
    delta_reserved: int
    reason: str | None
    ref_type: str
    ref_id: str
    actor: str
    note: str | None
    created_at: datetime


class MovementPage(Page, frozen=True):
    items: list[MovementOut]
    # Deprecated: the last item's id, for the deprecated ``after_id``; use ``next_cursor``.
    next_after_id: int | None


class LevelPage(Page, frozen=True):
    items: list[LevelOut]


# ---- transfers ---------------------------------------------------------------------------


class TransferIn(Input, frozen=True):
    from_location: LocationCode
    to_location: LocationCode
    lines: Annotated[list[QuantityLine], msgspec.Meta(min_length=1, max_length=MAX_LINES)]
    reference: Reference | None = None


class ReceivedLine(Input, frozen=True):
    sku: Code
    received: Count


class TransferReceiveIn(Input, frozen=True):
    # Omit to receive everything that was sent; list lines to record a short delivery.
    lines: Annotated[list[ReceivedLine], msgspec.Meta(max_length=MAX_LINES)] | None = None
    note: Note | None = None


class TransferLineOut(Output, frozen=True):
    sku: str
    quantity: int
    received_quantity: int | None
    # Units sent but never received (lost in transit); None while the transfer is on its way.
    short: int | None


class TransferOut(Output, frozen=True):
    id: uuid.UUID
    from_location: str
    to_location: str
    status: Literal["in_transit", "received"]
    reference: str | None
    lines: list[TransferLineOut]
    created_at: datetime
    received_at: datetime | None


class TransferList(Page, frozen=True):
    items: list[TransferOut]
