"""Shopify order webhooks: verify the HMAC on the raw bytes, then read the order.

A delivery is accepted when ``X-Shopify-Hmac-Sha256`` matches one of the channel's secrets
(several during a rotation: Shopify may sign with the old secret for an hour) and it names
its ``X-Shopify-Webhook-Id``, the id Shopify repeats on every retry of that delivery and
so our dedup key. The body is not parsed before the signature is checked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import msgspec

from integrations.shopify import signing
from integrations.shopify.mapping import partner_order
from integrations.shopify.wire import Order
from oms.domain.channel_sync import Delivery, InvalidDelivery, PartnerOrder, PayloadError

ORDER_TOPICS = frozenset({"orders/create", "orders/updated", "orders/cancelled"})
CANCELLED_TOPIC = "orders/cancelled"
# The event store's columns: a longer id cannot be kept (so cannot be deduplicated).
MAX_ID_LENGTH = 200
MAX_TOPIC_LENGTH = 100


class ShopifyInbound:
    """The InboundFormat of Shopify channels."""

    def verify(self, body: bytes, headers: Mapping[str, str], secrets: Sequence[str]) -> Delivery:
        """The delivery when one of ``secrets`` signed ``body``; InvalidDelivery when the
        signature or the webhook id is missing or the signature matches no secret."""
        lowered = signing.lower_keys(headers)
        claimed = lowered.get(signing.HMAC_HEADER)
        if not claimed:
            raise InvalidDelivery("X-Shopify-Hmac-Sha256 is missing")
        usable = [secret for secret in secrets if secret]
        if not usable:
            raise InvalidDelivery("the channel has no webhook secret")
        if not signing.signed_by_any(body, claimed, usable):
            raise InvalidDelivery("the signature matches none of the channel's secrets")
        delivery_id = lowered.get(signing.WEBHOOK_ID_HEADER, "").strip()
        if not delivery_id or len(delivery_id) > MAX_ID_LENGTH or not delivery_id.isprintable():
            raise InvalidDelivery("X-Shopify-Webhook-Id is missing or not a usable id")
        topic = lowered.get(signing.TOPIC_HEADER, "").strip()
        return Delivery(
            delivery_id=delivery_id,
            topic=topic if len(topic) <= MAX_TOPIC_LENGTH else "",
            headers={name: lowered[name] for name in signing.KEPT_HEADERS if name in lowered},
        )

    def read_order(self, topic: str, body: bytes, stores: Mapping[str, str]) -> PartnerOrder | None:
        """The order in an orders/create, orders/updated or orders/cancelled delivery;
        None for any other topic. PayloadError when the body is not an order or lacks a
        field we need."""
        if topic not in ORDER_TOPICS:
            return None
        return partner_order(decode_order(body, topic), stores, cancelled=topic == CANCELLED_TOPIC)


def decode_order(body: bytes, where: str) -> Order:
    """``body`` (one REST Order as JSON) decoded; PayloadError naming ``where`` and the path
    of the first missing or mistyped field."""
    try:
        return msgspec.json.decode(body, type=Order)
    except msgspec.ValidationError as exc:
        raise PayloadError(f"{where}: {exc}") from None
    except msgspec.DecodeError as exc:
        raise PayloadError(f"{where}: the body is not JSON ({exc})") from None


INBOUND = ShopifyInbound()
