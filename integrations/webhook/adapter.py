"""The generic webhook channel's adapter: signed quantity messages to the partner's URL.

There is no compare-and-swap: the receiver applies our absolute quantity. Each item also
says what we sent before (``previous``), so a receiver that sold units since can tell, and
its own sales come back to us as order events; the channel's buffer and zero-at policy
cover the moments in between.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import httpx
import msgspec
from standardwebhooks import Webhook

from integrations.tls import client_context
from integrations.webhook import answers, signing
from integrations.webhook.orders import decode_order, partner_order
from integrations.webhook.wire import (
    BATCH_SIZE,
    QUANTITIES_TYPE,
    QuantitiesData,
    QuantitiesEvent,
    QuantityOut,
)
from oms.domain.channel_sync import (
    Connection,
    PartnerConfigError,
    PartnerOrder,
    PartnerUnavailable,
    PayloadError,
    PushResult,
    QuantityUpdate,
)

log = logging.getLogger(__name__)

JSON = "application/json"


class WebhookAdapter:
    """A ChannelAdapter that POSTs Standard Webhooks messages to ``partner_url``."""

    def __init__(self, connection: Connection, webhook: Webhook, client: httpx.AsyncClient) -> None:
        self.connection = connection
        self._webhook = webhook
        self._client = client
        self._url = connection.partner_url

    @property
    def batch_size(self) -> int:
        """At most 100 quantities per message (the documented limit receivers rely on)."""
        return BATCH_SIZE

    @property
    def compare_and_swap(self) -> bool:
        """No: the receiver applies absolute quantities (see the module docstring)."""
        return False

    async def resolve_items(
        self, skus: Sequence[str], partner_location_ids: Sequence[str | None]
    ) -> dict[str, str]:
        """Every SKU is its own item id: the receiver keys quantities by SKU."""
        return {sku: sku for sku in skus}

    async def push(self, updates: Sequence[QuantityUpdate]) -> list[PushResult]:
        """Send one ``inventory.quantities`` message; one result per update, in order."""
        if len(updates) > BATCH_SIZE:
            raise ValueError(f"at most {BATCH_SIZE} quantities per message, got {len(updates)}")
        if not updates:
            return []
        body, headers = self.quantities_message(updates)
        response = await self._call("POST", self._url, content=body, headers=headers)
        answers.raise_for_unusable(response)
        status = response.status_code
        errors = answers.item_errors(response, len(updates))
        if 200 <= status < 300:
            default = None
        elif status in (httpx.codes.BAD_REQUEST, httpx.codes.UNPROCESSABLE_ENTITY):
            # The whole message was refused: an item the receiver did not name was not
            # applied either, and sending it unchanged would be refused again.
            default = (
                f"the receiver refused the whole message ({status})"
                if errors
                else answers.refusal(response)
            )
        else:  # 404, 405, 410, 413, ...: this address does not take our messages
            raise PartnerConfigError(answers.refusal(response))
        return [_result(update, errors.get(index, default)) for index, update in enumerate(updates)]

    def quantities_message(
        self, updates: Sequence[QuantityUpdate], *, at: datetime | None = None
    ) -> tuple[bytes, dict[str, str]]:
        """The signed body and headers for ``updates``. The message id depends only on the
        quantities sent and the listings' versions (not on the time), so a retry of the same
        push is recognisable and a later push of the same values is not mistaken for one."""
        data = QuantitiesData(
            channel=self.connection.channel,
            quantities=[
                QuantityOut(
                    sku=update.sku,
                    location=update.partner_location_id,
                    quantity=update.quantity,
                    previous=update.previous,
                )
                for update in updates
            ],
        )
        timestamp = at or signing.now()
        body = msgspec.json.encode(
            QuantitiesEvent(type=QUANTITIES_TYPE, timestamp=timestamp, data=data)
        )
        # The listings' versions too: the same values sent again after a change in between
        # (5 -> 3 -> 5) are a new message, not a repeat the receiver may drop.
        versions = msgspec.json.encode([update.version for update in updates])
        message_id = signing.content_id(msgspec.json.encode(data) + versions)
        headers = signing.signed_headers(self._webhook, message_id, timestamp, body)
        return body, {**headers, "content-type": JSON}

    async def current_quantities(self, updates: Sequence[QuantityUpdate]) -> dict[int, int]:
        """Nothing: a receiver's quantities cannot be read back."""
        return {}

    async def orders_updated_since(self, since: datetime) -> list[PartnerOrder]:
        """``GET {partner_url}/orders?updated_since=...`` when the receiver offers it (404:
        it does not, so []), oldest change first. A pickup's location is taken as our
        location code. An entry that cannot be read is logged and skipped, so one bad order
        does not stop the sweep (its own webhook fails visibly)."""
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        timestamp = signing.now()
        headers = signing.signed_headers(self._webhook, signing.random_id(), timestamp, b"")
        response = await self._call(
            "GET",
            self._url.rstrip("/") + "/orders",
            params={"updated_since": since.isoformat()},
            headers={**headers, "accept": JSON},
        )
        answers.raise_for_unusable(response)
        if response.status_code == httpx.codes.NOT_FOUND:
            return []
        if not 200 <= response.status_code < 300:
            raise PartnerConfigError(answers.refusal(response))
        try:
            entries = msgspec.json.decode(response.content, type=list[Any])
        except (msgspec.DecodeError, msgspec.ValidationError):
            raise PartnerConfigError("the receiver's /orders answer is not a JSON list") from None
        orders = []
        for index, entry in enumerate(entries):
            try:
                data = decode_order(entry, f"orders[{index}]")
            except PayloadError as exc:
                log.warning("skipped an unreadable order", extra={"error": str(exc)})
                continue
            orders.append(partner_order(data, {}, cancelled=False))
        return sorted(orders, key=lambda order: order.updated_at)

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self._client.aclose()

    async def _call(self, method: str, url: str, **options: Any) -> httpx.Response:
        """One request; transport failures become what the sync loop understands."""
        try:
            return await self._client.request(method, url, **options)
        except httpx.UnsupportedProtocol as exc:
            raise PartnerConfigError(f"the partner URL cannot be called: {exc}") from None
        except httpx.TimeoutException:
            raise PartnerUnavailable("the receiver did not answer in time") from None
        except httpx.TransportError as exc:
            raise PartnerUnavailable(f"the receiver could not be reached: {exc}") from None


def _result(update: QuantityUpdate, error: str | None) -> PushResult:
    if error is None:
        return PushResult(listing_id=update.listing_id, status="ok")
    return PushResult(listing_id=update.listing_id, status="rejected", error=error)


def connect(connection: Connection) -> WebhookAdapter:
    """The adapter for ``connection``; PartnerConfigError when its secret (the channel's
    credentials) is missing or not a ``whsec_`` secret, or its URL is not http(s)."""
    try:
        webhook = signing.signer(connection.credentials)
    except signing.BadSecret as exc:
        raise PartnerConfigError(str(exc)) from None
    try:
        url = httpx.URL(connection.partner_url)
    except httpx.InvalidURL:
        raise PartnerConfigError("the partner URL is not a URL") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise PartnerConfigError("the partner URL must be an http or https address")
    client = httpx.AsyncClient(
        timeout=connection.timeout_seconds, follow_redirects=False, verify=client_context()
    )
    return WebhookAdapter(connection, webhook, client)
