"""Builders for the Shopify channel's tests: its sample orders and signed deliveries."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from integrations.shopify import signing

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
