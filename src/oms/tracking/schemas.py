"""The public tracking document and the number-and-email look-up.

Whoever holds the tracking link sees this document: links are forwarded, land in browser
histories and mail archives. So it carries what lets the customer recognise the order and
act on it (what, where, when, the carrier's tracking number, the pickup code once it is
ready) and no contact details: no name, email, phone or street address. A parcel's town
is enough to tell two deliveries apart.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec

from oms.schemas import Input, Output

Email = Annotated[str, msgspec.Meta(min_length=3, max_length=320)]
OrderNumber = Annotated[int, msgspec.Meta(ge=1, le=2**62)]


class TrackLookupIn(Input, frozen=True, kw_only=True):
    """The order number from the receipt and the email the order was placed with."""

    number: OrderNumber
    email: Email


class TrackedItem(Output, frozen=True, kw_only=True):
    name: str
    quantity: int


class PickupStore(Output, frozen=True, kw_only=True):
    name: str
    address: dict[str, Any]
    opening_hours: dict[str, Any]
    timezone: str


class TrackedFulfilment(Output, frozen=True, kw_only=True):
    method: str  # ship | pickup
    state: str
    status: str  # the state in words
    location: str  # the name of the store or warehouse doing the work
    items: list[TrackedItem]
    carrier: str | None = None
    tracking_number: str | None = None
    carrier_tracking_url: str | None = None  # the carrier's page for the parcel (https)
    ship_to_city: str | None = None
    store: PickupStore | None = None
    # Only while the order waits on the shelf, and only to the holder of the tracking
    # token: it is what collects the parcel. A number-and-email look-up never shows it.
    pickup_code: str | None = None
    ready_at: datetime | None = None
    collect_by: datetime | None = None
    updated_at: datetime


class TimelineEntry(Output, frozen=True, kw_only=True):
    at: datetime
    code: str
    text: str


class TrackedOrder(Output, frozen=True, kw_only=True):
    number: int
    status: str
    status_text: str
    placed_at: datetime
    # Only on the token's own page: from a number-and-email look-up it would lead to the
    # pickup code. The link is in every message the customer is sent.
    tracking_token: str | None
    fulfilments: list[TrackedFulfilment]
    timeline: list[TimelineEntry]
