"""What the fulfilment and hand-over screens show: the queue's tabs, ages and lateness,
the state of a pick between scans, and the words for states and methods. Pure: no I/O.

Picked quantities live in the page, not in the database. The API models what a
fulfilment carries and what is short, not how many units are in the associate's tote; a
pick ends in one step (``pack``) that the API takes as "everything carried is picked".
So the pick list page carries the running count in one hidden field (``picks``,
``"line:units,line:units"``) that every scan posts back and gets back updated; reloading
the page starts the count again, which is what re-scanning a tote needs anyway.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from oms.domain.errors import InvalidInput
from oms.fulfilment.schemas import FulfilmentCard, PickLine

# The queue's tabs: (query value, label, API states). "To pick" and "Awaiting transfer"
# are both the API's ``pending``: a pickup whose stock is still on its way cannot be picked.
TABS: tuple[tuple[str, str], ...] = (
    ("pending", "To pick"),
    ("picking", "Picking"),
    ("packed", "Packed"),
    ("ready_for_pickup", "Ready for pickup"),
    ("awaiting_transfer", "Awaiting transfer"),
)
TAB_LABELS = dict(TABS)
STATE_LABELS = {
    "pending": "To pick",
    "picking": "Picking",
    "packed": "Packed",
    "shipped": "Shipped",
    "ready_for_pickup": "Ready for pickup",
    "picked_up": "Picked up",
    "rejected": "Rejected",
    "cancelled": "Cancelled",
}
METHOD_LABELS = {"pickup": "Pickup", "ship": "Ship to customer", "transfer": "Transfer to store"}

# Work still on the shop floor is late after two hours: click-and-collect promises "ready
# in two hours", and a parcel picked later misses the day's collection. A parcel on the
# pickup shelf, or stock still travelling here, waits for someone else, so it is never late.
LATE_AFTER_SECONDS = 2 * 3600
_WORK_STATES = frozenset({"pending", "picking", "packed"})


def api_state(tab: str) -> str:
    """The API state behind a tab; InvalidInput for an unknown one."""
    if tab not in TAB_LABELS:
        raise InvalidInput(f"unknown state {tab!r}; use one of {', '.join(TAB_LABELS)}")
    return "pending" if tab == "awaiting_transfer" else tab


def tab_of(card: FulfilmentCard) -> str:
    """The tab a fulfilment is listed under."""
    state = card.fulfilment.state
    return "awaiting_transfer" if state == "pending" and card.awaiting_transfer else state


def in_tab(card: FulfilmentCard, tab: str | None) -> bool:
    return tab is None or tab_of(card) == tab


def age_text(seconds: int) -> str:
    """ "2 h 10 min", "5 min", "3 d 4 h": how long a fulfilment has waited."""
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def is_late(card: FulfilmentCard) -> bool:
    # ``tab_of`` puts a pickup waiting for its transfer in its own tab: not late.
    return tab_of(card) in _WORK_STATES and card.age_seconds > LATE_AFTER_SECONDS


def units(card: FulfilmentCard) -> int:
    return sum(line.quantity - line.short for line in card.fulfilment.lines)


# ---- picking by scan ---------------------------------------------------------------------

MAX_SCAN_UNITS = 999


@dataclass(frozen=True, slots=True)
class PickRow:
    """One line of the pick list with what is in the tote so far."""

    line: PickLine
    picked: int

    @property
    def complete(self) -> bool:
        return self.picked >= self.line.quantity


def parse_picks(raw: str) -> dict[int, int]:
    """``"1:2,2:0"`` -> {1: 2, 2: 0}; InvalidInput for anything else (a stale or edited page)."""
    picks: dict[int, int] = {}
    for part in filter(None, raw.split(",")):
        line_no, _, count = part.partition(":")
        if not (line_no.isdigit() and count.isdigit()) or len(part) > 12:
            raise InvalidInput("the pick list on this page is damaged; reload it and scan again")
        picks[int(line_no)] = int(count)
    return picks


def format_picks(rows: Sequence[PickRow]) -> str:
    return ",".join(f"{row.line.line_no}:{row.picked}" for row in rows)


def pick_rows(lines: Sequence[PickLine], picks: dict[int, int]) -> list[PickRow]:
    """The pick list with each line's count (never above what the line needs)."""
    return [PickRow(line, min(picks.get(line.line_no, 0), line.quantity)) for line in lines]


def all_picked(rows: Sequence[PickRow]) -> bool:
    return bool(rows) and all(row.complete for row in rows)


def scan_units(typed: str) -> int:
    """The units one scan counts: 1, or the quantity typed beside the scan field."""
    typed = typed.strip()
    if not typed:
        return 1
    if not typed.isdigit() or not 1 <= int(typed) <= MAX_SCAN_UNITS:
        raise InvalidInput(f"the quantity must be a whole number from 1 to {MAX_SCAN_UNITS}")
    return int(typed)


def scan(rows: Sequence[PickRow], code: str, count: int) -> tuple[list[PickRow], PickRow]:
    """Count ``count`` units of the line whose SKU code or barcode is ``code``.

    A code that is on no line is the wrong item; more units than the line still needs
    would leave extra goods in the tote: both are refused (InvalidInput), nothing counted.
    """
    wanted = code.strip()
    if not wanted:
        raise InvalidInput("scan an item's barcode or type its SKU code")
    found = next(
        (
            row
            for row in rows
            if row.line.sku.casefold() == wanted.casefold() or wanted in row.line.barcodes
        ),
        None,
    )
    if found is None:
        raise InvalidInput(
            f"{wanted} is not on this pick list. Put it back and scan an item from the list."
        )
    left = found.line.quantity - found.picked
    if count > left:
        needed = "is already complete" if left == 0 else f"needs only {left} more"
        raise InvalidInput(
            f"{found.line.sku} ({found.line.name}) {needed}: {count} scanned."
            " Put the extra units back."
        )
    updated = PickRow(found.line, found.picked + count)
    return [updated if row is found else row for row in rows], updated


def missing_picks(rows: Sequence[PickRow]) -> str | None:
    """Why the pick cannot be finished yet, in plain words; None when it can."""
    short = [row for row in rows if not row.complete]
    if not short:
        return None
    described = "; ".join(
        f"{row.line.sku} {row.picked} of {row.line.quantity} picked" for row in short
    )
    return f"Not everything is picked yet ({described}). Scan the rest or report a short pick."
