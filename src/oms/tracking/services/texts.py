"""What a customer reads about their order: internal states and timeline events in plain
words. Pure functions, no I/O.

Every text is an English msgid of the ``oms.i18n`` catalogues (marked with ``N_`` for
extraction): the JSON document says them in English, the tracking page translates them
when it renders, with the place names filled in after translation.

Only what is listed here reaches the customer; an event kind not listed (rejections,
re-routing, notifications, anything added later) is left out of the public timeline.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from oms.i18n import N_
from oms.orders.services.events import EventKind

ORDER_STATUS = {
    "open": N_("In progress"),
    "backordered": N_("Waiting for stock"),
    "completed": N_("Completed"),
    "cancelled": N_("Cancelled"),
}

_STATE = {
    "pending": N_("Being prepared"),
    "picking": N_("Being prepared"),
    "packed": N_("Packed"),
    "shipped": N_("Shipped"),
    "ready_for_pickup": N_("Ready to collect"),
    "picked_up": N_("Collected"),
    "cancelled": N_("Cancelled"),
}


def order_status_text(status: str) -> str:
    """The customer's words for an order status; one not listed reads "In progress"."""
    return ORDER_STATUS.get(status, N_("In progress"))


def fulfilment_status_text(method: str, state: str, *, awaiting_transfer: bool) -> str:
    """The customer's words for a fulfilment's state; a pickup still waiting for its transfer
    reads "On its way to the store", a state not listed "In progress"."""
    if method == "pickup" and state == "pending" and awaiting_transfer:
        return N_("On its way to the store")
    if method == "ship" and state == "packed":
        return N_("Packed, ready to ship")
    return _STATE.get(state, N_("In progress"))


@dataclass(frozen=True, slots=True)
class TimelineText:
    code: str  # stable, for pages that show an icon per step
    text: str


@dataclass(frozen=True, slots=True)
class TimelineMessage:
    """A timeline line before it is put into words: its msgid and the place it names."""

    code: str
    msgid: str  # may hold "%(place)s"
    place: str | None = None

    def say(self, gettext: Callable[[str], str] = str) -> str:
        """The line in the language of ``gettext`` (English by default)."""
        said = gettext(self.msgid)
        return said % {"place": self.place} if self.place is not None else said


def timeline_text(
    kind: str, *, method: str | None, location: str | None, destination: str | None
) -> TimelineText | None:
    """The customer's line for an order event in English, or None when it is internal
    (``timeline_message`` put into words)."""
    message = timeline_message(kind, method=method, location=location, destination=destination)
    return None if message is None else TimelineText(message.code, message.say())


def _at(code: str, msgid_at: str, msgid_store: str, place: str | None) -> TimelineMessage:
    # Without the store's name the line reads "... the store", a msgid of its own, so no
    # translation has to fit a translated "the store" into another sentence.
    if place:
        return TimelineMessage(code, msgid_at, place)
    return TimelineMessage(code, msgid_store)


def timeline_message(
    kind: str, *, method: str | None, location: str | None, destination: str | None
) -> TimelineMessage | None:
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
            return _at(
                "on_way_to_store",
                N_("On its way to %(place)s"),
                N_("On its way to the store"),
                destination,
            )
        return None
    if kind in (EventKind.FULFILMENT_TRANSFER_ARRIVED, EventKind.FULFILMENT_TRANSFER_RECEIVED):
        return _at(
            "arrived_at_store", N_("Arrived at %(place)s"), N_("Arrived at the store"), location
        )
    if kind == EventKind.FULFILMENT_PICKING:
        return TimelineMessage("preparing", N_("We are preparing your items"))
    if kind == EventKind.FULFILMENT_PACKED:
        return TimelineMessage("packed", N_("Packed"))
    if kind == EventKind.FULFILMENT_SHIPPED and method == "ship":
        return TimelineMessage("shipped", N_("Shipped"))
    if kind == EventKind.FULFILMENT_READY_FOR_PICKUP:
        return _at(
            "ready_for_pickup",
            N_("Ready to collect at %(place)s"),
            N_("Ready to collect at the store"),
            location,
        )
    if kind == EventKind.FULFILMENT_PICKED_UP:
        return TimelineMessage("collected", N_("Collected"))
    if kind == EventKind.FULFILMENT_CANCELLED:
        return TimelineMessage("cancelled", N_("Part of your order was cancelled"))
    return None


# Keyed by member; a stored kind (plain text) finds its entry, as a StrEnum hashes by value.
_ORDER_EVENTS: dict[str, TimelineMessage] = {
    EventKind.ORDER_PLACED: TimelineMessage("placed", N_("Order placed")),
    EventKind.ORDER_BACKORDERED: TimelineMessage(
        "backordered",
        N_("Some items are waiting for stock; we will send them when they arrive"),
    ),
    EventKind.ORDER_EDITED: TimelineMessage("changed", N_("Order changed")),
    EventKind.ORDER_LINES_CANCELLED: TimelineMessage(
        "items_cancelled", N_("Some items were cancelled")
    ),
    EventKind.ORDER_CANCELLED: TimelineMessage("cancelled", N_("Order cancelled")),
    EventKind.ORDER_RETURNED: TimelineMessage("returned", N_("Return received")),
}
