"""Shopify's webhook signature, both ways (our fake signs, the inbound format checks).

``X-Shopify-Hmac-Sha256`` is the standard base64 (not hex) of HMAC-SHA256 over the raw
request body, keyed with the app's client secret as UTF-8. Nothing else is signed: the
topic, ids and timestamps travel unsigned beside it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping

HMAC_HEADER = "x-shopify-hmac-sha256"
WEBHOOK_ID_HEADER = "x-shopify-webhook-id"
TOPIC_HEADER = "x-shopify-topic"
TRIGGERED_AT_HEADER = "x-shopify-triggered-at"
EVENT_ID_HEADER = "x-shopify-event-id"
API_VERSION_HEADER = "x-shopify-api-version"
SHOP_DOMAIN_HEADER = "x-shopify-shop-domain"
# Headers worth keeping with a stored event: none of them is secret.
KEPT_HEADERS = (TRIGGERED_AT_HEADER, EVENT_ID_HEADER, API_VERSION_HEADER, SHOP_DOMAIN_HEADER)


def signature(body: bytes, secret: str) -> str:
    """The ``X-Shopify-Hmac-Sha256`` value for ``body`` under ``secret``."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def signed_by_any(body: bytes, claimed: str, secrets: list[str]) -> bool:
    """Whether ``claimed`` is the signature of ``body`` under one of ``secrets``.

    Every secret is tried (no early exit on the first miss), each comparison in constant
    time, so the answer's timing does not tell which secret came close.
    """
    try:
        claimed_bytes = claimed.strip().encode("ascii")
    except UnicodeEncodeError:
        return False
    matched = False
    for secret in secrets:
        if secret and hmac.compare_digest(signature(body, secret).encode("ascii"), claimed_bytes):
            matched = True
    return matched


def lower_keys(headers: Mapping[str, str]) -> dict[str, str]:
    """Header names are case-insensitive (HTTP/2 lowercases them): compare them lowered."""
    return {name.lower(): value for name, value in headers.items()}
