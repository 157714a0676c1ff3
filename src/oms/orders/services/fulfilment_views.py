"""The one place a fulfilment becomes its API shape, ``FulfilmentOut``.

The order document (``GET /orders/{id}``, a placed order's response) and every fulfilment
route answer with it, so it lives here, below ``fulfilment``, which imports it. Callers
pass anything with the columns below: a row from a statement, ``FulfilmentRow``, or a
fulfilment just planned (``placed_view``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, cast

from oms.orders.schemas import FulfilmentLineOut, FulfilmentMethod, FulfilmentOut, FulfilmentState


class FulfilmentFacts(Protocol):
    """A fulfilment with its location codes (``destination_code``: a transfer's store)."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def location_code(self) -> str: ...
    @property
    def method(self) -> str: ...
    @property
    def delivery_no(self) -> int: ...
    @property
    def state(self) -> str: ...
    @property
    def destination_code(self) -> str | None: ...
    @property
    def awaits_fulfilment_id(self) -> uuid.UUID | None: ...
    @property
    def carrier(self) -> str | None: ...
    @property
    def tracking_number(self) -> str | None: ...
    @property
    def carrier_tracking_url(self) -> str | None: ...
    @property
    def reason(self) -> str | None: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def updated_at(self) -> datetime: ...


class LineFacts(Protocol):
    @property
    def line_no(self) -> int: ...
    @property
    def sku(self) -> str: ...
    @property
    def quantity(self) -> int: ...
    @property
    def quantity_short(self) -> int: ...


def fulfilment_view(f: FulfilmentFacts, lines: Iterable[LineFacts]) -> FulfilmentOut:
    # The table's CHECK constraints hold state and method to the domain's vocabulary,
    # which is what FulfilmentState and FulfilmentMethod are.
    """The fulfilment as the API shows it, with ``lines`` in the order given."""
    return FulfilmentOut(
        id=f.id,
        location=f.location_code,
        method=cast(FulfilmentMethod, f.method),
        delivery=f.delivery_no,
        state=cast(FulfilmentState, f.state),
        lines=[
            FulfilmentLineOut(
                line_no=line.line_no,
                sku=line.sku,
                quantity=line.quantity,
                short=line.quantity_short,
            )
            for line in lines
        ],
        destination=f.destination_code,
        awaits=f.awaits_fulfilment_id,
        carrier=f.carrier,
        tracking_number=f.tracking_number,
        carrier_tracking_url=f.carrier_tracking_url,
        reason=f.reason,
        created_at=f.created_at,
        updated_at=f.updated_at,
    )


@dataclass(frozen=True, slots=True)
class PlacedFulfilment:
    """A fulfilment as the statement that placed it wrote it: pending, nothing short."""

    id: uuid.UUID
    location_code: str
    method: str
    delivery_no: int
    destination_code: str | None
    awaits_fulfilment_id: uuid.UUID | None
    created_at: datetime
    state: str = "pending"
    carrier: str | None = None
    tracking_number: str | None = None
    carrier_tracking_url: str | None = None
    reason: str | None = None

    @property
    def updated_at(self) -> datetime:
        """A fulfilment just placed has not changed since: its creation time."""
        return self.created_at


@dataclass(frozen=True, slots=True)
class PlacedLine:
    line_no: int
    sku: str
    quantity: int
    quantity_short: int = 0
