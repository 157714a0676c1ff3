"""Request and response bodies for channel price lists.

Money is always an integer number of minor units (pence, cents; yen for JPY) of the
channel's currency, which every answer states next to the amount.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from oms.schemas import Input, Output, Page

# Ten million pounds or euros (a billion minor units): far above anything a store sells,
# low enough that a line total of many units stays far from BIGINT.
MAX_PRICE = 1_000_000_000
# The most bad rows one import answer lists; ``rejected`` counts them all.
MAX_REPORTED_ROWS = 1_000

PriceAmount = Annotated[
    int,
    msgspec.Meta(
        ge=0,
        le=MAX_PRICE,
        description="Minor units of the channel's currency (1299 is 12.99 GBP)",
        examples=[1299],
    ),
]


class PriceIn(Input, frozen=True):
    amount: PriceAmount


class PriceOut(Output, frozen=True):
    sku: str
    amount: int
    currency: str
    updated_at: datetime
    # Who set it last: ``role:name`` of the token or staff account.
    updated_by: str


class PricePage(Page, frozen=True):
    items: list[PriceOut]


class PriceRowError(Output, frozen=True):
    # As an editor numbers lines: a CSV header is line 1.
    line: int
    reason: str


class PriceImportOut(Output, frozen=True):
    currency: str
    # Prices written (new or changed) and rows refused.
    applied: int
    rejected: int
    # The refused rows by line, the first ``MAX_REPORTED_ROWS`` of them.
    errors: list[PriceRowError]
