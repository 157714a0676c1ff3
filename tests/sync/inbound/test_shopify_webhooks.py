"""Shopify order webhooks (``X-Shopify-Hmac-Sha256`` over the raw body) from Shopify's own
sample payloads: created, edited, cancelled, each read back through the orders API."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from integrations.shopify import signing
from oms.db.models import Sku
from tests.support.inbound import (
    orders_for,
    partners,
    sample,
    settle,
    stocked_shop,
    stored_events,
)
from tests.support.world import World

SAMPLE_SKUS = ("SCARF-RED", "BEANIE-GREY")


_ABSENT = object()


def _delivery(
    name: str,
    order_id: int,
    skus: dict[str, Sku],
    secret: str,
    *,
    webhook_id: str | None = None,
    locale: object = "en-GB",
) -> tuple[bytes, dict[str, str]]:
    """Shopify's sample ``name`` about ``order_id`` with our SKUs, signed as Shopify does."""
    order: dict[str, Any] = sample("shopify", f"{name}.json")
    order["id"] = order_id
    order.pop("customer_locale")
    if locale is not _ABSENT:
        order["customer_locale"] = locale
    for line in order["line_items"]:
        line["sku"] = skus[line["sku"]].code
    body = json.dumps(order).encode()
    headers = {
        "content-type": "application/json",
        "X-Shopify-Topic": name.replace("orders_", "orders/"),
        "X-Shopify-Webhook-Id": webhook_id or f"wh-{random.getrandbits(64):x}",
        "X-Shopify-Hmac-Sha256": signing.signature(body, secret),
        "X-Shopify-Triggered-At": order["updated_at"],
    }
    return body, headers


async def test_a_shopify_order_is_placed_edited_and_cancelled_from_its_webhooks(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    partners()
    shop = await stocked_shop(world, monkeypatch, adapter="shopify", secret="shpss_test_secret")
    skus = {"SCARF-RED": shop.tee, "BEANIE-GREY": shop.mug}
    order_id = random.randrange(10**12, 10**13)
    admin = await world.token("admin")

    async def deliver(name: str) -> dict[str, Any]:
        body, headers = _delivery(name, order_id, skus, shop.secret)
        response = await world.client.post(
            f"/webhooks/{shop.channel.code}", content=body, headers=headers
        )
        assert response.json() == {"status": "accepted"}, response.text
        event = (await stored_events(world.sessionmaker, shop.channel.id))[-1]
        await settle(world.sessionmaker, event["id"])
        [ours] = await orders_for(world.sessionmaker, shop.channel.id, str(order_id))
        read = await world.client.get(f"/orders/{ours}", headers=admin)
        assert read.status_code == 200
        order: dict[str, Any] = read.json()
        return order

    placed = await deliver("orders_create")
    assert [(line["sku"], line["quantity"], line["unit_price"]) for line in placed["lines"]] == [
        (shop.tee.code, 2, 1999),
        (shop.mug.code, 1, 3499),
    ]
    assert placed["total"] == 7497
    assert placed["language"] == "en-GB"  # the sample's customer_locale

    edited = await deliver("orders_updated")  # the scarf raised to 3, the beanie removed
    left = {line["sku"]: line["quantity"] - line["cancelled"] for line in edited["lines"]}
    assert left == {shop.tee.code: 2, shop.mug.code: 0}
    event = (await stored_events(world.sessionmaker, shop.channel.id))[-1]
    assert (event["state"], event["outcome"]) == ("applied", "updated")
    assert f"{shop.tee.code} 2 -> 3" in event["note"]

    cancelled = await deliver("orders_cancelled")
    assert cancelled["status"] == "cancelled"
    assert (await world.level(shop.tee, shop.location))["reserved"] == 0
    assert (await world.level(shop.mug, shop.location))["reserved"] == 0
    await world.assert_audit_clean()


@pytest.mark.parametrize(
    ("locale", "language"),
    [
        ("ro", "ro"),
        ("fr-CA", "fr-CA"),
        ("Romanian", None),
        (None, None),
        (7, None),
        (_ABSENT, None),
    ],
)
async def test_the_customers_locale_is_the_orders_language_when_it_is_a_tag(
    world: World, monkeypatch: pytest.MonkeyPatch, locale: object, language: str | None
) -> None:
    partners()
    shop = await stocked_shop(world, monkeypatch, adapter="shopify", secret="shpss_test_secret")
    skus = {"SCARF-RED": shop.tee, "BEANIE-GREY": shop.mug}
    order_id = random.randrange(10**12, 10**13)
    body, headers = _delivery("orders_create", order_id, skus, shop.secret, locale=locale)

    response = await world.client.post(
        f"/webhooks/{shop.channel.code}", content=body, headers=headers
    )

    assert response.json() == {"status": "accepted"}, response.text
    event = (await stored_events(world.sessionmaker, shop.channel.id))[-1]
    assert await settle(world.sessionmaker, event["id"]) == "applied"
    [ours] = await orders_for(world.sessionmaker, shop.channel.id, str(order_id))
    read = await world.client.get(f"/orders/{ours}", headers=await world.token("admin"))
    assert read.status_code == 200
    assert read.json()["language"] == language


@pytest.mark.parametrize("fault", ["tampered", "other secret", "no signature", "no webhook id"])
async def test_a_shopify_delivery_that_is_not_signed_right_is_refused_unstored(
    world: World, monkeypatch: pytest.MonkeyPatch, fault: str
) -> None:
    partners()
    shop = await stocked_shop(world, monkeypatch, adapter="shopify", secret="shpss_right")
    skus = {"SCARF-RED": shop.tee, "BEANIE-GREY": shop.mug}
    body, headers = _delivery("orders_create", 5208830460001, skus, shop.secret)
    if fault == "tampered":
        body = body.replace(b'"quantity": 2', b'"quantity": 20')
    elif fault == "other secret":
        headers["X-Shopify-Hmac-Sha256"] = signing.signature(body, "shpss_wrong")
    elif fault == "no signature":
        del headers["X-Shopify-Hmac-Sha256"]
    else:
        del headers["X-Shopify-Webhook-Id"]

    response = await world.client.post(
        f"/webhooks/{shop.channel.code}", content=body, headers=headers
    )

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert await stored_events(world.sessionmaker, shop.channel.id) == []
