"""Response bodies for customer search and profiles."""

from __future__ import annotations

import uuid
from datetime import datetime

from oms.schemas import Output, Page

# Every struct restates frozen=True: type checkers do not carry it over from the base.


class CustomerSummary(Output, frozen=True, kw_only=True):
    id: uuid.UUID
    name: str
    email: str | None
    phone: str | None
    created_at: datetime


class CustomerPage(Page, frozen=True, kw_only=True):
    items: list[CustomerSummary]


class CustomerOrder(Output, frozen=True, kw_only=True):
    id: uuid.UUID
    number: int
    channel: str
    status: str
    total: int
    currency: str
    created_at: datetime


class CustomerProfile(Output, frozen=True, kw_only=True):
    id: uuid.UUID
    name: str
    email: str | None
    phone: str | None
    created_at: datetime
    updated_at: datetime
    # Every order of this customer, in any channel; ``orders`` holds the newest of them.
    order_count: int
    orders: list[CustomerOrder]
