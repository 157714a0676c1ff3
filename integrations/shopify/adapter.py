"""The Shopify channel's adapter: quantities out through ``inventorySetQuantities``.

Every push is a compare-and-swap: each quantity carries ``changeFromQuantity`` = what we
last published there (explicit null the first time), so a push never overwrites units
Shopify sold that we have not heard of; Shopify answers CHANGE_FROM_QUANTITY_STALE and we
report that item ``stale``. The mutation is atomic (any userError and nothing is
applied), so the items it refused are reported and the rest are sent again. Every call
carries an ``@idempotent`` key derived from its input and a ten-minute window: a retry of
the same values after a time-out is not applied twice, and different values get a
different key.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
import msgspec

from integrations.shopify import queries
from integrations.shopify.client import ShopifyClient
from integrations.shopify.mapping import partner_order
from integrations.shopify.wire import Order
from integrations.tls import client_context
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

DEFAULT_API_VERSION = "2026-04"  # changeFromQuantity and @idempotent are mandatory from here
OLDEST_API_VERSION = "2026-01"  # the first with changeFromQuantity (and @idempotent)
BATCH_SIZE = 250  # Shopify's cap on every input array
SKUS_PER_SEARCH = 50  # keeps each productVariants search string short
ORDERS_PAGE = 250
MAX_ORDER_PAGES = 200  # a runaway Link chain stops here (50,000 orders)
STALE = "CHANGE_FROM_QUANTITY_STALE"
# What a mutation costs before its items (Shopify's default for mutations; 1 per item on top).
MUTATION_COST = 10
# A fixed namespace so the same input always derives the same idempotency key.
KEY_NAMESPACE = uuid.UUID("6f1c3a52-8d0e-4c7b-9a41-2b5e7d90c4f8")
# How long one input keeps its key. Long enough for the sync's retries after a time-out
# (seconds to a few minutes), short enough that a later push which happens to repeat an
# earlier one (5 -> 8, 8 -> 5, then 5 -> 8 again) is applied, not answered from Shopify's
# memory of the first. A retry that crosses a window's edge is sent anew: harmless, as
# changeFromQuantity refuses applying it twice.
KEY_WINDOW_SECONDS = 600
_VERSION = re.compile(r"^(\d{4}-\d{2}|unstable)$")


def connect(connection: Connection) -> ShopifyAdapter:
    """An adapter for the shop at ``connection.partner_url`` (PartnerConfigError when the
    URL, version or access token cannot work)."""
    parts = urlsplit(connection.partner_url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise PartnerConfigError(f"{connection.partner_url!r} is not a shop URL")
    version = connection.api_version or DEFAULT_API_VERSION
    if not _VERSION.match(version):
        raise PartnerConfigError(f"{version!r} is not a Shopify API version (YYYY-MM)")
    if version < OLDEST_API_VERSION:
        raise PartnerConfigError(
            f"Shopify API {version} predates changeFromQuantity; use {OLDEST_API_VERSION} or later"
        )
    if not connection.credentials:
        raise PartnerConfigError("the Shopify channel has no access token configured")
    http = httpx.AsyncClient(
        timeout=connection.timeout_seconds,
        headers={"X-Shopify-Access-Token": connection.credentials, "Accept": "application/json"},
        verify=client_context(),
    )
    base_url = f"{parts.scheme}://{parts.netloc}"
    return ShopifyAdapter(connection, ShopifyClient(http, base_url, version))


class ShopifyAdapter:
    """A ChannelAdapter for one Shopify shop."""

    def __init__(
        self,
        connection: Connection,
        client: ShopifyClient,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.connection = connection
        self.client = client
        self.clock = clock  # seconds since the epoch; picks the idempotency key's window

    @property
    def batch_size(self) -> int:
        """250 quantities per call (Shopify's input array cap)."""
        return BATCH_SIZE

    @property
    def compare_and_swap(self) -> bool:
        """Yes: ``changeFromQuantity`` on every quantity."""
        return True

    async def resolve_items(
        self, skus: Sequence[str], partner_location_ids: Sequence[str | None]
    ) -> dict[str, str]:
        """Each SKU's inventory item GID. A SKU no variant has, or several variants share
        (we could not tell which one we sell), is left out."""
        found: dict[str, list[str]] = {}
        unique = list(dict.fromkeys(skus))
        for start in range(0, len(unique), SKUS_PER_SEARCH):
            chunk = unique[start : start + SKUS_PER_SEARCH]
            search = " OR ".join(f"sku:'{_quoted(sku)}'" for sku in chunk)
            # Room for a SKU that two variants share (it is then left out as ambiguous),
            # without paying for 250 rows per search.
            first = min(250, 2 * len(chunk))
            data = await self.client.graphql(
                queries.VARIANTS_BY_SKU, {"query": search, "first": first}, cost=2 + first
            )
            wanted = set(chunk)
            for node in _nodes(data, "productVariants"):
                sku, item = node.get("sku"), (node.get("inventoryItem") or {}).get("id")
                if sku in wanted and isinstance(item, str):  # the search may match loosely
                    found.setdefault(sku, []).append(item)
        ambiguous = sorted(sku for sku, items in found.items() if len(set(items)) > 1)
        if ambiguous:
            log.warning(
                "SKUs on several Shopify variants left unresolved", extra={"skus": ambiguous}
            )
        return {sku: items[0] for sku, items in found.items() if len(set(items)) == 1}

    async def push(self, updates: Sequence[QuantityUpdate]) -> list[PushResult]:
        """Set ``available`` for at most 250 updates; one result per update, in order."""
        if len(updates) > BATCH_SIZE:
            raise ValueError(f"at most {BATCH_SIZE} quantities per call, got {len(updates)}")
        results: dict[int, PushResult] = {}
        sendable = []
        for index, update in enumerate(updates):
            if update.partner_item_id and update.partner_location_id:
                sendable.append(index)
            else:
                missing = "inventory item" if not update.partner_item_id else "location"
                results[index] = _rejected(update, f"no Shopify {missing} for this listing")
        # Each round either applies everything left or takes out at least one refused item.
        while sendable:
            refused = await self._set(updates, sendable)
            if not refused:
                results.update(
                    {
                        index: PushResult(listing_id=updates[index].listing_id, status="ok")
                        for index in sendable
                    }
                )
                break
            results.update(refused)
            sendable = [index for index in sendable if index not in refused]
        return [results[index] for index in range(len(updates))]

    async def _set(
        self, updates: Sequence[QuantityUpdate], indexes: list[int]
    ) -> dict[int, PushResult]:
        """One mutation for ``updates[indexes]``; the results of the items it refused (empty:
        all applied)."""
        payload = {
            "name": "available",
            "reason": "correction",
            "referenceDocumentUri": f"gid://oms/ChannelSync/{self.connection.channel}",
            "quantities": [_quantity(updates[index]) for index in indexes],
        }
        data = await self.client.graphql(
            queries.SET_QUANTITIES,
            cost=MUTATION_COST + len(indexes),
            variables={
                "input": payload,
                "key": idempotency_key(
                    payload, self.clock(), [updates[index].version for index in indexes]
                ),
            },
        )
        answer = data.get("inventorySetQuantities") if isinstance(data, dict) else None
        if not isinstance(answer, dict):
            raise PartnerUnavailable("Shopify's inventorySetQuantities answer has no payload")
        errors = answer.get("userErrors") or []
        refused: dict[int, PushResult] = {}
        for error in errors:
            position = _position(error.get("field"))
            if position is None or position >= len(indexes):
                # About the whole call (name, reason, key): no item is to blame.
                raise PartnerUnavailable(
                    f"Shopify refused the call: {error.get('code')}: {error.get('message')}"
                )
            index = indexes[position]
            update = updates[index]
            if error.get("code") == STALE:
                refused[index] = PushResult(listing_id=update.listing_id, status="stale")
            else:
                refused.setdefault(
                    index, _rejected(update, f"{error.get('code')}: {error.get('message')}")
                )
        return refused

    async def current_quantities(self, updates: Sequence[QuantityUpdate]) -> dict[int, int]:
        """Shopify's ``available`` now for each update's item and location, by listing id
        (items Shopify does not stock there are left out)."""
        by_location: dict[str, list[QuantityUpdate]] = {}
        for update in updates:
            if update.partner_item_id and update.partner_location_id:
                by_location.setdefault(update.partner_location_id, []).append(update)
        shown: dict[int, int] = {}
        for location, at_location in by_location.items():
            for start in range(0, len(at_location), BATCH_SIZE):
                chunk = at_location[start : start + BATCH_SIZE]
                ids = list(dict.fromkeys(str(update.partner_item_id) for update in chunk))
                data = await self.client.graphql(
                    queries.AVAILABLE_AT_LOCATION,
                    {"ids": ids, "locationId": location},
                    cost=1 + len(ids),
                )
                available = _available_by_item(data)
                shown.update(
                    {
                        u.listing_id: available[u.partner_item_id]
                        for u in chunk
                        if u.partner_item_id in available
                    }
                )
        return shown

    async def orders_updated_since(self, since: datetime) -> list[PartnerOrder]:
        """Orders created or changed since ``since`` (REST ``orders.json``, every status,
        every page), oldest change first. An order we cannot read is logged and skipped: one
        bad order does not stop the sweep."""
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        # Shopify's updated_at has whole seconds: a change later in the same second as
        # ``since`` reads as earlier than it, so ask from the start of that second.
        since = since.replace(microsecond=0)
        params: dict[str, str] | None = {
            "updated_at_min": since.isoformat(),
            "status": "any",
            "order": "updated_at asc",
            "limit": str(ORDERS_PAGE),
        }
        url: str | None = self.client.api_url("orders.json")
        orders: list[PartnerOrder] = []
        for _ in range(MAX_ORDER_PAGES):
            if url is None:
                break
            response = await self.client.rest_get(url, params)
            orders.extend(self._read_page(response.content))
            url, params = _next_page(response), None
        return sorted(orders, key=lambda order: order.updated_at)

    def _read_page(self, content: bytes) -> list[PartnerOrder]:
        try:
            entries = msgspec.json.decode(content, type=dict[str, Any]).get("orders")
        except (msgspec.DecodeError, msgspec.ValidationError):
            raise PartnerUnavailable("Shopify's orders.json answer is not JSON") from None
        if not isinstance(entries, list):
            raise PartnerUnavailable("Shopify's orders.json answer has no orders list")
        read = []
        for entry in entries:
            try:
                order = msgspec.convert(entry, Order)
                read.append(partner_order(order, self.connection.stores, cancelled=False))
            except (msgspec.ValidationError, PayloadError) as exc:
                log.warning("skipped an unreadable Shopify order", extra={"error": str(exc)})
        return read

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self.client.http.aclose()


def idempotency_key(payload: dict[str, Any], now: float, versions: Sequence[int] = ()) -> str:
    """A key that depends only on the mutation's input, the listings' versions and the
    time window of ``now``: a retry of the same push soon after reuses it; different values,
    or a later push of the same values after the listing changed, never share it."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    window = int(now // KEY_WINDOW_SECONDS)
    return str(uuid.uuid5(KEY_NAMESPACE, f"{window}:{list(versions)}:{canonical}"))


def _quantity(update: QuantityUpdate) -> dict[str, Any]:
    return {
        "inventoryItemId": update.partner_item_id,
        "locationId": update.partner_location_id,
        "quantity": update.quantity,
        # Explicit null (never published there): Shopify skips the check.
        "changeFromQuantity": update.previous,
    }


def _rejected(update: QuantityUpdate, error: str) -> PushResult:
    return PushResult(listing_id=update.listing_id, status="rejected", error=error)


def _position(field: Any) -> int | None:
    """The quantity an error's ``field`` path names (["input", "quantities", "3", ...])."""
    if isinstance(field, list) and len(field) >= 3 and field[:2] == ["input", "quantities"]:
        try:
            return int(field[2])
        except (TypeError, ValueError):
            return None
    return None


def _quoted(sku: str) -> str:
    """``sku`` inside single quotes of Shopify's search syntax."""
    return sku.replace("\\", "\\\\").replace("'", "\\'")


def _nodes(data: Any, connection: str) -> list[dict[str, Any]]:
    nodes = ((data or {}).get(connection) or {}).get("nodes") or []
    return [node for node in nodes if isinstance(node, dict)]


def _available_by_item(data: Any) -> dict[str, int]:
    available: dict[str, int] = {}
    for node in (data or {}).get("nodes") or []:
        if not isinstance(node, dict) or not isinstance(node.get("id"), str):
            continue
        for quantity in (node.get("inventoryLevel") or {}).get("quantities") or []:
            if quantity.get("name") == "available" and isinstance(quantity.get("quantity"), int):
                available[node["id"]] = quantity["quantity"]
    return available


def _next_page(response: httpx.Response) -> str | None:
    """The ``rel="next"`` URL of a page, when it is on the same shop."""
    url = response.links.get("next", {}).get("url")
    if url is None:
        return None
    if httpx.URL(url).netloc != response.url.netloc:
        raise PartnerUnavailable("Shopify's next page link points at another host")
    return str(url)
