"""Order events a partner sends to ``POST /webhooks/{channel}``: verify, then read.

Verification happens on the raw bytes before anything is parsed. A delivery is accepted
when one of the channel's secrets signed it (several during a rotation) and its timestamp
is within five minutes of our clock; anything else is InvalidDelivery, and nothing about
which check failed is told to the sender beyond the library's short reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import msgspec
from standardwebhooks import Webhook, WebhookVerificationError

from integrations.webhook import signing
from integrations.webhook.orders import partner_order
from integrations.webhook.wire import ORDER_TYPES, EventHead, OrderEvent
from oms.domain.channel_sync import Delivery, InvalidDelivery, PartnerOrder, PayloadError

# The event store's columns: a longer id cannot be kept (and so cannot be deduplicated),
# a longer type is no type of ours.
MAX_ID_LENGTH = 200
MAX_TOPIC_LENGTH = 100


class StandardWebhooksInbound:
    """The InboundFormat of the generic webhook channel (Standard Webhooks signatures)."""

    def verify(self, body: bytes, headers: Mapping[str, str], secrets: Sequence[str]) -> Delivery:
        """The delivery if one of ``secrets`` signed ``body`` within the tolerance, else
        InvalidDelivery. The topic is the body's ``type`` ("" when it has none: reading
        the order then says what is wrong)."""
        lowered = signing.lower_keys(headers)
        message_id = lowered.get(signing.ID_HEADER, "")
        if len(message_id) > MAX_ID_LENGTH or not message_id.isprintable():
            raise InvalidDelivery("webhook-id is too long or not printable")
        verifiers = _verifiers(secrets)
        if not verifiers:
            raise InvalidDelivery("the channel has no usable webhook secret")
        reason = "no secret signed this delivery"
        for verifier in verifiers:
            try:
                verifier.verify(body, lowered, json_parse=False)
            except WebhookVerificationError as exc:
                reason = str(exc)
                continue
            return Delivery(
                delivery_id=message_id,
                topic=_topic(body),
                headers={signing.TIMESTAMP_HEADER: lowered[signing.TIMESTAMP_HEADER]},
            )
        raise InvalidDelivery(reason)

    def read_order(self, topic: str, body: bytes, stores: Mapping[str, str]) -> PartnerOrder | None:
        """The order in an ``order.created``/``order.updated``/``order.cancelled`` event;
        None for any other type. PayloadError when the body is not an event or the order
        lacks a field we need."""
        if topic not in ORDER_TYPES:
            _head(body)  # an unreadable event is still an error, whatever its topic
            return None
        try:
            event = msgspec.json.decode(body, type=OrderEvent)
        except msgspec.ValidationError as exc:
            raise PayloadError(f"{topic}: {exc}") from None
        except msgspec.DecodeError as exc:
            raise PayloadError(f"{topic}: the body is not JSON ({exc})") from None
        return partner_order(event.data, stores, cancelled=topic == "order.cancelled")


def _verifiers(secrets: Sequence[str]) -> list[Webhook]:
    """A verifier per usable secret; a malformed one is skipped (the others still work)."""
    verifiers = []
    for secret in secrets:
        try:
            verifiers.append(signing.signer(secret))
        except signing.BadSecret:
            continue
    return verifiers


def _topic(body: bytes) -> str:
    try:
        head = _head(body)
    except PayloadError:
        return ""
    return head.type if len(head.type) <= MAX_TOPIC_LENGTH else ""


def _head(body: bytes) -> EventHead:
    try:
        return msgspec.json.decode(body, type=EventHead)
    except msgspec.ValidationError as exc:
        raise PayloadError(f"not an event: {exc}") from None
    except msgspec.DecodeError as exc:
        raise PayloadError(f"not an event: the body is not JSON ({exc})") from None
