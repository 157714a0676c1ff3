"""Sending a partner's signed order event to the service, as a webhook partner would.

For tests and the demo: the event is built, signed per Standard Webhooks and POSTed to
``{oms_url}/webhooks/{channel}``. Knobs make the deliveries the service must refuse
(tampered, unsigned, expired) and repeat ones (a fixed ``webhook_id``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
import msgspec

from integrations.webhook import signing


def order_delivery(
    secret: str,
    event_type: str,
    data: dict[str, Any],
    *,
    webhook_id: str | None = None,
    timestamp: datetime | None = None,
    tamper: bool = False,
    sign: bool = True,
) -> tuple[bytes, dict[str, str]]:
    """The body and headers of one order event.

    ``tamper`` signs the event, then sends it with a field added (the signature no longer
    matches); ``sign=False`` leaves the signature header out; an old ``timestamp`` makes
    an expired delivery.
    """
    at = timestamp or signing.now()
    event = {"type": event_type, "timestamp": at, "data": data}
    body = msgspec.json.encode(event)
    headers = signing.signed_headers(
        signing.signer(secret), webhook_id or signing.random_id(), at, body
    )
    if tamper:
        body = msgspec.json.encode({**event, "data": {**data, "tampered": True}})
    if not sign:
        del headers[signing.SIGNATURE_HEADER]
    return body, {**headers, "content-type": "application/json"}


def webhook_url(oms_url: str, channel_code: str) -> str:
    """Where the service takes a channel's deliveries."""
    return f"{oms_url.rstrip('/')}/webhooks/{channel_code}"


def send_order(
    oms_url: str,
    channel_code: str,
    secret: str,
    event_type: str,
    data: dict[str, Any],
    *,
    webhook_id: str | None = None,
    timestamp: datetime | None = None,
    tamper: bool = False,
    sign: bool = True,
    timeout_seconds: float = 10.0,
) -> httpx.Response:
    """POST one signed order event to the service and return its answer (blocking: call
    it from a thread or a script, not from the event loop that serves the service)."""
    body, headers = order_delivery(
        secret,
        event_type,
        data,
        webhook_id=webhook_id,
        timestamp=timestamp,
        tamper=tamper,
        sign=sign,
    )
    with httpx.Client(timeout=timeout_seconds) as client:
        return client.post(webhook_url(oms_url, channel_code), content=body, headers=headers)


async def send_order_async(
    oms_url: str,
    channel_code: str,
    secret: str,
    event_type: str,
    data: dict[str, Any],
    *,
    webhook_id: str | None = None,
    timestamp: datetime | None = None,
    tamper: bool = False,
    sign: bool = True,
    timeout_seconds: float = 10.0,
) -> httpx.Response:
    """``send_order`` for async callers."""
    body, headers = order_delivery(
        secret,
        event_type,
        data,
        webhook_id=webhook_id,
        timestamp=timestamp,
        tamper=tamper,
        sign=sign,
    )
    async with httpx.AsyncClient(timeout=timeout_seconds) as client:
        return await client.post(webhook_url(oms_url, channel_code), content=body, headers=headers)
