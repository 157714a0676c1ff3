"""Subject and body of each kind of customer message: pure text rendering, no I/O.

Plain text only: it reads well in every mail client and cannot smuggle markup from data.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

SUBJECT_MAX = 200  # the notification.subject column
_WEEKDAYS = (
    ("mon", "Mon"),
    ("tue", "Tue"),
    ("wed", "Wed"),
    ("thu", "Thu"),
    ("fri", "Fri"),
    ("sat", "Sat"),
    ("sun", "Sun"),
)
_ADDRESS_FIELDS = ("line1", "line2", "city", "region", "postcode", "country")


def _one_line(value: Any) -> str:
    # Values reach a mail header: a line break there would start a header of its own.
    return " ".join(str(value).split())


def _require(kind: str, data: Mapping[str, Any], *keys: str) -> None:
    missing = [key for key in keys if data.get(key) in (None, "")]
    if missing:
        raise ValueError(f"notification {kind!r}: data lacks {', '.join(missing)}")


def format_address(address: Any) -> str:
    """A location's address (the stored mapping, or text already formatted) on one line."""
    if isinstance(address, Mapping):
        return ", ".join(_one_line(address[f]) for f in _ADDRESS_FIELDS if address.get(f))
    return _one_line(address)


def format_opening_hours(hours: Any) -> list[str]:
    """``{"mon": [["09:00", "17:30"]], ...}`` as one line per weekday; text is kept as is."""
    if not isinstance(hours, Mapping):
        return [_one_line(hours)] if hours else []
    lines = []
    for key, label in _WEEKDAYS:
        periods = hours.get(key) or []
        text = ", ".join(f"{opens}-{closes}" for opens, closes in periods) or "closed"
        lines.append(f"{label} {text}")
    return lines


def _ready_for_pickup(data: Mapping[str, Any]) -> tuple[str, str]:
    _require("ready_for_pickup", data, "order_number", "customer_name", "store_name", "pickup_code")
    number, store = _one_line(data["order_number"]), _one_line(data["store_name"])
    subject = f"Your order {number} is ready to collect from {store}"
    body = [
        f"Hello {_one_line(data['customer_name'])},",
        "",
        f"Your order {number} is ready to collect from {store}.",
        "",
        f"Your pickup code: {_one_line(data['pickup_code'])}",
        "Please show this code when you collect the order. Keep it to yourself: whoever"
        " has it can collect the order.",
    ]
    if data.get("store_address"):
        body += ["", f"Address: {format_address(data['store_address'])}"]
    hours = format_opening_hours(data.get("opening_hours"))
    if hours:
        body += ["", "Opening hours:", *(f"  {line}" for line in hours)]
    if data.get("tracking_url"):
        body += ["", f"Follow your order: {_one_line(data['tracking_url'])}"]
    return subject, "\n".join(body) + "\n"


def _order_cancelled(data: Mapping[str, Any]) -> tuple[str, str]:
    _require("order_cancelled", data, "order_number", "customer_name")
    number = _one_line(data["order_number"])
    subject = f"Your order {number} has been cancelled"
    body = [
        f"Hello {_one_line(data['customer_name'])},",
        "",
        f"Your order {number} has been cancelled.",
    ]
    if data.get("reason"):
        body.append(f"Reason: {_one_line(data['reason']).replace('_', ' ')}")
    body += ["", "If you paid for it, the payment is refunded to the way you paid."]
    if data.get("tracking_url"):
        body += ["", f"Order details: {_one_line(data['tracking_url'])}"]
    return subject, "\n".join(body) + "\n"


RENDERERS: dict[str, Callable[[Mapping[str, Any]], tuple[str, str]]] = {
    "ready_for_pickup": _ready_for_pickup,
    "order_cancelled": _order_cancelled,
}


def render(kind: str, data: Mapping[str, Any]) -> tuple[str, str]:
    """``(subject, body)``; ValueError for an unknown kind or missing data."""
    renderer = RENDERERS.get(kind)
    if renderer is None:
        raise ValueError(f"unknown notification kind {kind!r}; known: {sorted(RENDERERS)}")
    subject, body = renderer(data)
    if len(subject) > SUBJECT_MAX:
        subject = subject[: SUBJECT_MAX - 3] + "..."
    return subject, body
