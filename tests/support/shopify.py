"""Builders for the Shopify channel's tests: its sample orders and signed deliveries."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from integrations.shopify import signing
from integrations.shopify.fake import FakeShopify
from oms.domain.channel_sync import Connection, QuantityUpdate

SAMPLES = Path(__file__).parents[2] / "integrations" / "shopify" / "samples"
SECRET = "shpss_test_client_secret_0123456789"  # a test value
OLD_SECRET = "shpss_test_previous_secret_9876543210"  # a test value


def sample(name: str) -> dict[str, Any]:
    """A sample REST order from ``integrations/shopify/samples`` (a fresh copy each time)."""
    order: dict[str, Any] = json.loads((SAMPLES / f"{name}.json").read_text(encoding="utf-8"))
    return order


def sample_bytes(name: str) -> bytes:
    """A sample's raw bytes, exactly as stored (what a delivery would carry)."""
    return (SAMPLES / f"{name}.json").read_bytes()


def delivery_headers(
    body: bytes, secret: str = SECRET, *, topic: str = "orders/create", webhook_id: str = "wh-1"
) -> dict[str, str]:
    """The headers Shopify sends with ``body``, signed with ``secret``."""
    return {
        "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-Sha256": signing.signature(body, secret),
        "X-Shopify-Shop-Domain": "example-shop.myshopify.com",
        "X-Shopify-API-Version": "2026-04",
        "X-Shopify-Webhook-Id": webhook_id,
        "X-Shopify-Event-Id": "ev-" + webhook_id,
        "X-Shopify-Triggered-At": "2026-11-20T10:14:33.000000000Z",
        "Content-Type": "application/json",
    }


SET_QUANTITIES = """
mutation SetQuantities($input: InventorySetQuantitiesInput!, $key: String!) {
  inventorySetQuantities(input: $input) @idempotent(key: $key) {
    inventoryAdjustmentGroup { id changes { name delta quantityAfterChange } }
    userErrors { code field message }
  }
}
"""


def set_input(
    *entries: tuple[str, str, int, int | None], reason: str = "correction"
) -> dict[str, Any]:
    """An InventorySetQuantitiesInput of ``(item, location, quantity, changeFrom)`` entries."""
    return {
        "name": "available",
        "reason": reason,
        "referenceDocumentUri": "gid://oms/Test/1",
        "quantities": [
            {
                "inventoryItemId": item,
                "locationId": location,
                "quantity": quantity,
                "changeFromQuantity": change_from,
            }
            for item, location, quantity, change_from in entries
        ],
    }


@dataclass(frozen=True)
class Seeded:
    """A fake shop and what was seeded into it: two locations, two SKUs, 5 scarves at
    Deansgate."""

    shop: FakeShopify
    deansgate: str  # location GIDs
    warehouse: str
    scarf: str  # inventory item GIDs
    beanie: str


def seed(shop: FakeShopify) -> Seeded:
    """Seed ``shop`` (started) with the fixture's locations, variants and stock."""
    deansgate = shop.add_location("Deansgate")
    warehouse = shop.add_location("Warehouse")
    scarf = shop.add_variant("SCARF-RED", price="19.99", title="Merino Scarf")
    beanie = shop.add_variant("BEANIE-GREY", price="34.99", title="Wool Beanie")
    shop.set_quantity(scarf, deansgate, 5)
    return Seeded(shop, deansgate, warehouse, scarf, beanie)


def connection_to(
    shop: FakeShopify,
    *,
    token: str | None = None,
    version: str | None = None,
    timeout_seconds: float = 5.0,
    stores: dict[str, str] | None = None,
) -> Connection:
    """A Shopify channel's connection to the fake ``shop`` (its token unless one is given)."""
    return Connection(
        channel="shopify-uk",
        partner_url=shop.url,
        api_version=version,
        credentials=shop.access_token if token is None else token,
        timeout_seconds=timeout_seconds,
        stores=stores or {},
    )


def update(
    listing_id: int, item: str | None, location: str | None, quantity: int, previous: int | None
) -> QuantityUpdate:
    """One quantity to push."""
    return QuantityUpdate(
        listing_id=listing_id,
        sku=f"SKU-{listing_id}",
        partner_item_id=item,
        partner_location_id=location,
        quantity=quantity,
        previous=previous,
    )
