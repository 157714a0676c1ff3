"""Stock arithmetic and ledger rules: pure functions, no I/O."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from oms.domain.errors import InsufficientStock

# One operation never moves more than this many units of one SKU: bigger numbers are typos.
MAX_QUANTITY = 1_000_000
# A hold or document never has more lines than this.
MAX_LINES = 200


class MovementKind(enum.StrEnum):
    RECEIPT = "receipt"
    ADJUSTMENT = "adjustment"
    COUNT = "count"
    SALE = "sale"
    RESERVE = "reserve"
    RELEASE = "release"
    SHIP = "ship"
    TRANSFER_OUT = "transfer_out"
    TRANSFER_IN = "transfer_in"
    RETURN = "return"
    DAMAGE = "damage"
    IMPORT = "import"


def available(on_hand: int, reserved: int, safety_stock: int) -> int:
    """Sellable now: never shown below zero, even when the shelf is over-committed."""
    return max(0, on_hand - reserved - safety_stock)


@dataclass(frozen=True, slots=True)
class LevelBalance:
    on_hand: int = 0
    reserved: int = 0


@dataclass(frozen=True, slots=True)
class LedgerDelta:
    delta_on_hand: int
    delta_reserved: int


def replay(deltas: Iterable[LedgerDelta]) -> LevelBalance:
    """What a level must hold after the given movements, starting from nothing."""
    on_hand = reserved = 0
    for d in deltas:
        on_hand += d.delta_on_hand
        reserved += d.delta_reserved
    return LevelBalance(on_hand, reserved)


def merge_lines(lines: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sum quantities per SKU id and sort by id: the fixed lock order for one location.

    Taking row locks in one global order (location, then SKU) is what keeps two multi-line
    requests from deadlocking on each other.
    """
    totals: dict[int, int] = {}
    for sku_id, quantity in lines:
        totals[sku_id] = totals.get(sku_id, 0) + quantity
    return sorted(totals.items())


def insufficient_stock(
    location_code: str, lines: Iterable[tuple[str, int, int]], *, unreserved: bool = False
) -> InsufficientStock:
    """The error for a refused document: each (sku, requested, free) line that is short.

    ``unreserved`` says the free figure is on hand minus reserved (what may leave the
    shelf) rather than what may be sold. Free figures are shown floored at zero.
    """
    short = [
        {"sku": sku, "requested": requested, "available": max(0, free)}
        for sku, requested, free in lines
        if free < requested
    ]
    what = "unreserved stock" if unreserved else "stock"
    return InsufficientStock(
        f"not enough {what} at {location_code} for "
        + ", ".join(f"{s['sku']} ({s['available']} of {s['requested']})" for s in short),
        location=location_code,
        lines=short,
    )
