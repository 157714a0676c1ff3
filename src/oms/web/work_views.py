"""What the fulfilment and hand-over screens show: the queue's tabs, ages and lateness,
the units a scan counts, and the words for states and methods. Pure: no I/O.

The pick's running count is the API's: every scan is counted and kept by the picking
service, so a reload, a tablet going to sleep or another associate carries on from it.
"""

from __future__ import annotations

from oms.domain.errors import InvalidInput
from oms.domain.picking import MAX_SCAN_UNITS
from oms.fulfilment.schemas import FulfilmentCard

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

# Work still on the shop floor is late after ``OMS_APP_LATE_AFTER_MINUTES`` (two hours by
# default: click-and-collect promises "ready in two hours", and a parcel picked later
# misses the day's collection). A parcel on the pickup shelf, or stock still travelling
# here, waits for someone else, so it is never late.
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


def is_late(card: FulfilmentCard, late_after_seconds: float) -> bool:
    # ``tab_of`` puts a pickup waiting for its transfer in its own tab: not late.
    return tab_of(card) in _WORK_STATES and card.age_seconds > late_after_seconds


def units(card: FulfilmentCard) -> int:
    return sum(line.quantity - line.short for line in card.fulfilment.lines)


# ---- picking by scan ---------------------------------------------------------------------
# The counts are the API's (``fulfilment_line.quantity_picked``, ``oms.domain.picking``):
# the page only reads the units typed beside the scan field.


def scan_units(typed: str) -> int:
    """The units one scan counts: 1, or the quantity typed beside the scan field."""
    typed = typed.strip()
    if not typed:
        return 1
    if not typed.isdigit() or not 1 <= int(typed) <= MAX_SCAN_UNITS:
        raise InvalidInput(f"the quantity must be a whole number from 1 to {MAX_SCAN_UNITS}")
    return int(typed)
