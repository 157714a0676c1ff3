"""Subject and body of each kind of customer message: pure text rendering, no I/O.

Plain text only: it reads well in every mail client and cannot smuggle markup from data.

Each message is written in the order's language when we speak it (``oms.i18n``'s
catalogues; English otherwise), with money written the way that language writes it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from oms.i18n import N_, SUPPORTED, format_money, translations
from oms.i18n.formatting import weekday_names

SUBJECT_MAX = 200  # the notification.subject column
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Gettext = Callable[[str], str]
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


def format_opening_hours(hours: Any, lang: str = "en") -> list[str]:
    """``{"mon": [["09:00", "17:30"]], ...}`` as one line per weekday, the day named in
    ``lang`` and the times as the store gives them; text is kept as is."""
    if not isinstance(hours, Mapping):
        return [_one_line(hours)] if hours else []
    closed = translations(lang).gettext(N_("closed"))
    lines = []
    for key, label in zip(_WEEKDAYS, weekday_names(lang), strict=True):
        periods = hours.get(key) or []
        text = ", ".join(f"{opens}-{closes}" for opens, closes in periods) or closed
        lines.append(f"{label} {text}")
    return lines


def _total(data: Mapping[str, Any], lang: str, _: Gettext) -> list[str]:
    """The order's total, when the data has it, in ``lang``'s way of writing money."""
    if data.get("order_total") is None or not data.get("currency"):
        return []
    total = format_money(int(data["order_total"]), str(data["currency"]), lang)
    return ["", _("Order total: %(total)s") % {"total": total}]


def _follow(data: Mapping[str, Any], _: Gettext) -> list[str]:
    """The link to the order's tracking page, when the service knows its public address."""
    if not data.get("tracking_url"):
        return []
    return ["", _("Follow your order: %(url)s") % {"url": _one_line(data["tracking_url"])}]


def _ready_for_pickup(data: Mapping[str, Any], lang: str, _: Gettext) -> tuple[str, str]:
    _require("ready_for_pickup", data, "order_number", "customer_name", "store_name", "pickup_code")
    said = {
        "number": _one_line(data["order_number"]),
        "store": _one_line(data["store_name"]),
        "name": _one_line(data["customer_name"]),
        "code": _one_line(data["pickup_code"]),
    }
    subject = _("Your order %(number)s is ready to collect from %(store)s") % said
    body = [
        _("Hello %(name)s,") % said,
        "",
        _("Your order %(number)s is ready to collect from %(store)s.") % said,
        "",
        _("Your pickup code: %(code)s") % said,
        _(
            "Please show this code when you collect the order. Keep it to yourself: whoever"
            " has it can collect the order."
        ),
    ]
    if data.get("store_address"):
        address = format_address(data["store_address"])
        body += ["", _("Address: %(address)s") % {"address": address}]
    hours = format_opening_hours(data.get("opening_hours"), lang)
    if hours:
        body += ["", _("Opening hours:"), *(f"  {line}" for line in hours)]
    return subject, "\n".join(body + _total(data, lang, _) + _follow(data, _)) + "\n"


# Reasons an order is cancelled for, as the customer reads them; others are shown as
# their code in words.
_REASONS = {
    "uncollected": N_("not collected in time"),
    "not_collected": N_("not collected"),
    "customer_request": N_("at your request"),
    "out_of_stock": N_("out of stock"),
}


def _reason(code: str, _: Gettext) -> str:
    if code in _REASONS:
        return _(_REASONS[code])
    return _one_line(code).replace("_", " ")


def _order_cancelled(data: Mapping[str, Any], lang: str, _: Gettext) -> tuple[str, str]:
    _require("order_cancelled", data, "order_number", "customer_name")
    said = {"number": _one_line(data["order_number"]), "name": _one_line(data["customer_name"])}
    subject = _("Your order %(number)s has been cancelled") % said
    body = [
        _("Hello %(name)s,") % said,
        "",
        _("Your order %(number)s has been cancelled.") % said,
    ]
    if data.get("reason"):
        body.append(_("Reason: %(reason)s") % {"reason": _reason(str(data["reason"]), _)})
    body += _total(data, lang, _)
    body += ["", _("If you paid for it, the payment is refunded to the way you paid.")]
    if data.get("tracking_url"):
        url = _one_line(data["tracking_url"])
        body += ["", _("Order details: %(url)s") % {"url": url}]
    return subject, "\n".join(body) + "\n"


def _order_placed(data: Mapping[str, Any], lang: str, _: Gettext) -> tuple[str, str]:
    _require("order_placed", data, "order_number", "customer_name")
    said = {"number": _one_line(data["order_number"]), "name": _one_line(data["customer_name"])}
    subject = _("Thank you for your order %(number)s") % said
    body = [
        _("Hello %(name)s,") % said,
        "",
        _("Thank you for your order %(number)s.") % said,
        _("We will write to you again when it is on its way or ready to collect."),
    ]
    return subject, "\n".join(body + _total(data, lang, _) + _follow(data, _)) + "\n"


def _parcel_shipped(data: Mapping[str, Any], lang: str, _: Gettext) -> tuple[str, str]:
    _require("parcel_shipped", data, "order_number", "customer_name", "carrier", "tracking_number")
    said = {
        "number": _one_line(data["order_number"]),
        "name": _one_line(data["customer_name"]),
        "carrier": _one_line(data["carrier"]),
        "tracking_number": _one_line(data["tracking_number"]),
    }
    subject = _("Your order %(number)s is on its way") % said
    body = [
        _("Hello %(name)s,") % said,
        "",
        _("Your order %(number)s has been sent with %(carrier)s.") % said,
        "",
        _("Tracking number: %(tracking_number)s") % said,
    ]
    if data.get("carrier_tracking_url"):
        url = _one_line(data["carrier_tracking_url"])
        body.append(_("Track the parcel with %(carrier)s: %(url)s") % {**said, "url": url})
    return subject, "\n".join(body + _total(data, lang, _) + _follow(data, _)) + "\n"


RENDERERS: dict[str, Callable[[Mapping[str, Any], str, Gettext], tuple[str, str]]] = {
    "order_placed": _order_placed,
    "ready_for_pickup": _ready_for_pickup,
    "order_cancelled": _order_cancelled,
    "parcel_shipped": _parcel_shipped,
}


def render(kind: str, data: Mapping[str, Any], lang: str = "en") -> tuple[str, str]:
    """``(subject, body)`` in ``lang`` (one of ``oms.i18n.SUPPORTED``; English for any
    other); ValueError for an unknown kind or missing data."""
    renderer = RENDERERS.get(kind)
    if renderer is None:
        raise ValueError(f"unknown notification kind {kind!r}; known: {sorted(RENDERERS)}")
    lang = lang if lang in SUPPORTED else "en"
    subject, body = renderer(data, lang, translations(lang).gettext)
    if len(subject) > SUBJECT_MAX:
        subject = subject[: SUBJECT_MAX - 3] + "..."
    return subject, body
