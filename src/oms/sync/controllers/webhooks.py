"""``POST /webhooks/{channel}``: partners deliver their order events here (no API token:
the partner's signature on the raw body is the proof)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, post
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.params import FromPath

from integrations.registry import partner_for
from oms.http.deps import DbSession
from oms.sync.services import inbound
from oms.sync.services.inbound import WebhookAck


async def _raw_body(request: Request[Any, Any, Any], limit: int) -> bytes:
    """The body exactly as sent (the signature covers these bytes), refused (413) past
    ``limit`` bytes before more is read."""
    announced = request.content_length
    if announced is not None and announced > limit:
        raise RequestEntityTooLarge(f"a delivery may be at most {limit} bytes")
    chunks: list[bytes] = []
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > limit:
            raise RequestEntityTooLarge(f"a delivery may be at most {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


class WebhookController(Controller):
    path = "/webhooks"
    tags = ["webhooks"]

    @post(
        "/{channel:str}",
        summary="Receive a partner's signed order event",
        description=(
            "Public: the partner signs the raw body (Shopify `X-Shopify-Hmac-Sha256`; the"
            " generic channel Standard Webhooks `webhook-id`, `webhook-timestamp`,"
            " `webhook-signature`) with a secret from the channel's settings. The delivery"
            " is stored under its delivery id and applied in the background;"
            ' `{"status": "duplicate"}` acknowledges a delivery received before. 401 for a'
            " missing, wrong or expired signature; 404 for a channel that takes no webhooks;"
            f" 413 past {inbound.WEBHOOK_MAX_BODY_BYTES} bytes. Nothing is stored on an error."
        ),
        status_code=200,
        exclude_from_auth=True,
        # The body is read raw, never decoded as our strict JSON; its own size limit is
        # enforced while it streams in.
        request_max_body_size=None,
        opt={"problems": (401,)},
    )
    async def receive_webhook(
        self, channel: FromPath[str], request: Request[Any, Any, Any], db_session: DbSession
    ) -> WebhookAck:
        body = await _raw_body(request, inbound.WEBHOOK_MAX_BODY_BYTES)
        headers = {name.lower(): value for name, value in request.headers.items()}
        return await inbound.receive_delivery(
            db_session, channel, body, headers, partners=partner_for
        )
