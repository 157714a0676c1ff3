"""Inbound partner orders: a webhook delivery verified, stored once and answered fast.

``receive_delivery`` is all ``POST /webhooks/{channel}`` does: find the channel's partner
and webhook secrets, verify the signature on the raw bytes (the partner's InboundFormat,
constant-time), store the delivery under its delivery id and enqueue the job that applies
it after commit. It never parses the order and never calls the partner, so it answers
within the partner's few seconds; a redelivery is acknowledged as a ``duplicate``.

Every reason not to take a delivery for a channel (no such channel, no sync settings,
sync disabled, no webhook secret configured or set) answers the same 404, so the
endpoint tells a stranger nothing about which channels exist. A bad signature is 401
and stores nothing.

This module is also where the rest of the service finds the inbound side: the job
(``apply_channel_event``), the repair sweep (``sweep_channel_orders``) and the stale-push
path's ``ingest_recent_orders``.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from typing import Literal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from oms.domain.channel_sync import Delivery, InvalidDelivery
from oms.domain.errors import InvalidInput, NotFound, Unauthenticated
from oms.outbox.messages import ApplyChannelEvent
from oms.outbox.writer import enqueue_after_commit
from oms.schemas import Output
from oms.sync.services.apply import (
    MAX_DELIVERY_ID,
    MAX_TOPIC,
    SWEEP_PREFIX,
    SWEEP_TOPIC,
    Partners,
    apply_channel_event,
    store_event,
)
from oms.sync.services.partner_orders import Ingested, ingest_partner_order
from oms.sync.services.sweep import ingest_recent_orders, sweep_channel_orders

__all__ = [
    "WEBHOOK_MAX_BODY_BYTES",
    "Ingested",
    "WebhookAck",
    "apply_channel_event",
    "ingest_partner_order",
    "ingest_recent_orders",
    "receive_delivery",
    "sweep_channel_orders",
    "webhook_secrets",
]

log = logging.getLogger(__name__)

WEBHOOK_MAX_BODY_BYTES = 1024 * 1024  # partners' order payloads are a few kB
_SECRET_SEPARATORS = re.compile(r"[\s,]+")

_CHANNEL = text(
    """
    SELECT c.id, cs.adapter, cs.webhook_secret_env, cs.enabled
      FROM channel c JOIN channel_sync cs ON cs.channel_id = c.id
     WHERE c.code = :code
    """
)


class WebhookAck(Output, frozen=True, kw_only=True):
    """``accepted``: stored, to be applied shortly; ``duplicate``: this delivery id was
    received before, nothing more to do."""

    status: Literal["accepted", "duplicate"]


def webhook_secrets(value: str | None) -> list[str]:
    """The secrets in an environment variable's value: several, separated by whitespace or
    commas, are all accepted (a partner signs with the old one for a while after a
    rotation)."""
    return [s for s in _SECRET_SEPARATORS.split(value or "") if s]


async def receive_delivery(
    session: AsyncSession,
    channel_code: str,
    body: bytes,
    headers: Mapping[str, str],
    *,
    partners: Partners,
    environ: Mapping[str, str] = os.environ,
) -> WebhookAck:
    """Verify and store one delivery; its job is sent when the caller commits.

    NotFound (uniform) when the channel takes no webhooks; Unauthenticated when no
    configured secret signed ``body``; InvalidInput for a delivery id or topic we cannot
    store. ``headers`` have lower-case names.
    """
    channel = (await session.execute(_CHANNEL, {"code": channel_code})).one_or_none()
    if channel is None or not channel.enabled or not channel.webhook_secret_env:
        raise _no_webhooks()
    secrets = webhook_secrets(environ.get(channel.webhook_secret_env))
    if not secrets:
        # The operator's mistake, not the partner's: say which variable, never a value.
        log.warning(
            "webhook secret not set: deliveries refused",
            extra={"channel": channel_code, "variable": channel.webhook_secret_env},
        )
        raise _no_webhooks()
    try:
        inbound = partners(channel.adapter).inbound
    except LookupError:
        log.warning("no adapter for webhooks", extra={"channel": channel_code})
        raise _no_webhooks() from None
    try:
        delivery = inbound.verify(body, headers, secrets)
    except InvalidDelivery:
        raise Unauthenticated("the delivery's signature is missing, wrong or expired") from None
    _check_storable(delivery)
    event_id = await store_event(
        session,
        channel.id,
        delivery_id=delivery.delivery_id,
        topic=delivery.topic,
        body=body,
        headers=delivery.headers,
    )
    if event_id is None:
        return WebhookAck(status="duplicate")
    enqueue_after_commit(session, ApplyChannelEvent(event_id=event_id))
    return WebhookAck(status="accepted")


def _no_webhooks() -> NotFound:
    return NotFound("no webhooks are taken for this channel")


def _check_storable(delivery: Delivery) -> None:
    """A delivery id and topic that fit their columns, clear of the sweep's own names."""
    if not 0 < len(delivery.delivery_id) <= MAX_DELIVERY_ID:
        raise InvalidInput(f"the delivery id must be 1 to {MAX_DELIVERY_ID} characters")
    if delivery.delivery_id.startswith(SWEEP_PREFIX) or delivery.topic == SWEEP_TOPIC:
        raise InvalidInput("delivery ids starting 'sweep:' and the topic 'sweep' are reserved")
    # An empty topic is kept: reading the event then says what is wrong with it.
    if len(delivery.topic) > MAX_TOPIC:
        raise InvalidInput(f"the topic must be at most {MAX_TOPIC} characters")
    texts = [delivery.delivery_id, delivery.topic, *delivery.headers, *delivery.headers.values()]
    if any("\x00" in value for value in texts):
        raise InvalidInput("the delivery's id, topic and headers must not contain NUL")
