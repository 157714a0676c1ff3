"""What a customer reads about their order: internal states and timeline events in plain
words. Pure functions, no I/O.

Only what is listed here reaches the customer; an event kind not listed (rejections,
re-routing, notifications, anything added later) is left out of the public timeline.
"""

from __future__ import annotations

from dataclasses import dataclass

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
    return ORDER_STATUS.get(status, "In progress")


def fulfilment_status_text(method: str, state: str, *, awaiting_transfer: bool) -> str:
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
    if kind.startswith("order."):
        return _ORDER_EVENTS.get(kind)
    if not kind.startswith("fulfilment.") or method is None:
        return None
    step = kind.removeprefix("fulfilment.")
    if method == "transfer":
        # Stock moving between our sites for a pickup: the customer sees only its journey.
        if step == "shipped":
            return TimelineText("on_way_to_store", f"On its way to {destination or 'the store'}")
        return None
    if step in ("transfer_arrived", "transfer_received"):
        return TimelineText("arrived_at_store", f"Arrived at {location or 'the store'}")
    if step == "picking":
        return TimelineText("preparing", "We are preparing your items")
    if step == "packed":
        return TimelineText("packed", "Packed")
    if step == "shipped" and method == "ship":
        return TimelineText("shipped", "Shipped")
    if step == "ready_for_pickup":
        return TimelineText("ready_for_pickup", f"Ready to collect at {location or 'the store'}")
    if step == "picked_up":
        return TimelineText("collected", "Collected")
    if step == "cancelled":
        return TimelineText("cancelled", "Part of your order was cancelled")
    return None


_ORDER_EVENTS = {
    "order.placed": TimelineText("placed", "Order placed"),
    "order.backordered": TimelineText(
        "backordered", "Some items are waiting for stock; we will send them when they arrive"
    ),
    "order.edited": TimelineText("changed", "Order changed"),
    "order.lines_cancelled": TimelineText("items_cancelled", "Some items were cancelled"),
    "order.cancelled": TimelineText("cancelled", "Order cancelled"),
    "order.returned": TimelineText("returned", "Return received"),
}
