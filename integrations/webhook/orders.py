"""A partner's order event, as our order API takes it (pure: no network, no clock)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from integrations.webhook.wire import Address, OrderData, Pickup, Ship
from oms.domain.channel_sync import PartnerOrder, PayloadError
from oms.domain.language import language_tag


def decode_order(raw: Any, where: str) -> OrderData:
    """``raw`` (an order's ``data`` object, already parsed) as OrderData; PayloadError
    naming ``where`` and the path of the first missing or mistyped field."""
    try:
        return msgspec.convert(raw, OrderData)
    except msgspec.ValidationError as exc:
        raise PayloadError(f"{where}: {exc}") from None


def partner_order(data: OrderData, stores: Mapping[str, str], *, cancelled: bool) -> PartnerOrder:
    """The order in ``data`` as a ``POST /orders`` body without ``channel``.

    One delivery per order: every line goes to it. A pickup names the partner's location,
    which ``stores`` maps to our location code (a partner that already uses our codes needs
    no mapping). The order counts as cancelled when the event says so or it carries
    ``cancelled_at``. The customer's language is kept when it is a well-formed tag and
    dropped otherwise: it only chooses the words the customer reads.
    """
    order: dict[str, Any] = {
        "external_id": str(data.id),
        "customer": _without_nones(msgspec.to_builtins(data.customer)),
        "lines": [
            {
                "sku": line.sku,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "currency": data.currency,
            }
            for line in data.lines
        ],
        "deliveries": [_delivery(data.delivery, stores)],
    }
    if data.total is not None:
        order["total"] = {"amount": data.total, "currency": data.currency}
    language = language_tag(data.language)
    if language is not None:
        order["language"] = language
    return PartnerOrder(
        external_id=str(data.id),
        updated_at=data.updated_at,
        cancelled=cancelled or data.cancelled_at is not None,
        order=order,
    )


def _delivery(delivery: Ship | Pickup, stores: Mapping[str, str]) -> dict[str, Any]:
    if isinstance(delivery, Pickup):
        return {"method": "pickup", "location": stores.get(delivery.location, delivery.location)}
    shipped: dict[str, Any] = {"method": "ship", "address": _address(delivery.address)}
    # Our API takes a position only as a pair; half of one is dropped, not an error.
    if delivery.lat is not None and delivery.lon is not None:
        shipped["lat"] = delivery.lat
        shipped["lon"] = delivery.lon
    return shipped


def _address(address: Address) -> dict[str, Any]:
    return _without_nones(msgspec.to_builtins(address))


def _without_nones(fields: dict[str, Any]) -> dict[str, Any]:
    """Optional fields the partner left out stay out (our API's defaults apply)."""
    return {name: value for name, value in fields.items() if value is not None}
