"""What a customer reads about their order: internal states and timeline events in plain
words. Pure functions, no I/O.

Only what is listed here reaches the customer; an event kind not listed (rejections,
re-routing, notifications, anything added later) is left out of the public timeline.
"""

from __future__ import annotations

from dataclasses import dataclass

from oms.orders.services.events import EventKind

ORDER_STATUS = {
    "open": "In progress",
    "backordered": "Waiting for stock",
    "completed": "Completed",
    "cancelled": "Cancelled",
}

_STATE = {
    "pending": "Being prepared",
    "picking": "Being prepared",
    "packed": "Packed",
    "shipped": "Shipped",
    "ready_for_pickup": "Ready to collect",
    "picked_up": "Collected",
    "cancelled": "Cancelled",
}


def order_status_text(status: str) -> str:
    """The customer's words for an order status; one not listed reads "In progress"."""
    return ORDER_STATUS.get(status, "In progress")


def fulfilment_status_text(method: str, state: str, *, awaiting_transfer: bool) -> str:
    """The customer's words for a fulfilment's state; a pickup still waiting for its transfer
    reads "On its way to the store", a state not listed "In progress"."""
    if method == "pickup" and state == "pending" and awaiting_transfer:
        return "On its way to the store"
    if method == "ship" and state == "packed":
        return "Packed, ready to ship"
    return _STATE.get(state, "In progress")


@dataclass(frozen=True, slots=True)
class TimelineText:
    code: str  # stable, for pages that show an icon per step
    text: str


def timeline_text(
    kind: str, *, method: str | None, location: str | None, destination: str | None
) -> TimelineText | None:
    """The customer's line for an order event, or None when it is internal.

    ``method`` is the method of the fulfilment the event is about; ``location`` its
    location's name and ``destination`` the store a transfer goes to.
    """
    if kind in _ORDER_EVENTS:
        return _ORDER_EVENTS[kind]
    if method is None:  # an order event not listed, or not about a fulfilment
        return None
    if method == "transfer":
        # Stock moving between our sites for a pickup: the customer sees only its journey.
        if kind == EventKind.FULFILMENT_SHIPPED:
            return TimelineText("on_way_to_store", f"On its way to {destination or 'the store'}")
        return None
    if kind in (EventKind.FULFILMENT_TRANSFER_ARRIVED, EventKind.FULFILMENT_TRANSFER_RECEIVED):
        return TimelineText("arrived_at_store", f"Arrived at {location or 'the store'}")
    if kind == EventKind.FULFILMENT_PICKING:
        return TimelineText("preparing", "We are preparing your items")
    if kind == EventKind.FULFILMENT_PACKED:
        return TimelineText("packed", "Packed")
    if kind == EventKind.FULFILMENT_SHIPPED and method == "ship":
        return TimelineText("shipped", "Shipped")
    if kind == EventKind.FULFILMENT_READY_FOR_PICKUP:
        return TimelineText("ready_for_pickup", f"Ready to collect at {location or 'the store'}")
    if kind == EventKind.FULFILMENT_PICKED_UP:
        return TimelineText("collected", "Collected")
    if kind == EventKind.FULFILMENT_CANCELLED:
        return TimelineText("cancelled", "Part of your order was cancelled")
    return None


# Keyed by member; a stored kind (plain text) finds its entry, as a StrEnum hashes by value.
_ORDER_EVENTS: dict[str, TimelineText] = {
    EventKind.ORDER_PLACED: TimelineText("placed", "Order placed"),
    EventKind.ORDER_BACKORDERED: TimelineText(
        "backordered", "Some items are waiting for stock; we will send them when they arrive"
    ),
    EventKind.ORDER_EDITED: TimelineText("changed", "Order changed"),
    EventKind.ORDER_LINES_CANCELLED: TimelineText("items_cancelled", "Some items were cancelled"),
    EventKind.ORDER_CANCELLED: TimelineText("cancelled", "Order cancelled"),
    EventKind.ORDER_RETURNED: TimelineText("returned", "Return received"),
}
