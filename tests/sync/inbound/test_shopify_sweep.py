"""The repair sweep against a fake Shopify on 127.0.0.1: a checkout whose webhook never
reached us is placed here from Shopify's order list, and its later cancellation too."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from integrations.shopify.fake import FAKE_TOKEN, FakeShopify
from oms.sync.services.inbound import sweep_channel_orders
from tests.support.inbound import orders_for, partners, settle, stocked_shop, stored_events
from tests.support.world import World


@pytest.fixture
def shopify() -> Iterator[FakeShopify]:
    with FakeShopify() as running:
        yield running


async def _settle_all(world: World, channel_id: int) -> None:
    for event in await stored_events(world.sessionmaker, channel_id):
        await settle(world.sessionmaker, event["id"])


async def test_a_sale_and_its_cancellation_whose_webhooks_never_came_are_swept_in(
    world: World, monkeypatch: pytest.MonkeyPatch, shopify: FakeShopify
) -> None:
    partners()
    shop = await stocked_shop(
        world, monkeypatch, adapter="shopify", partner_url=shopify.url, credentials=FAKE_TOKEN
    )
    item = shopify.add_variant(shop.tee.code, price="19.99")
    shopify.set_quantity(item, shopify.add_location("Leeds"), 5)
    # No webhook address: Shopify's delivery is lost. The buyer checked out in Romanian.
    sold = shopify.sell(shop.tee.code, 2, locale="ro-RO")

    taken = await sweep_channel_orders(world.sessionmaker, partners=partners())

    # (The app's own periodic sweep may take it in first: what ends in the database counts.)
    assert shop.channel.code in taken
    await _settle_all(world, shop.channel.id)
    [order_id] = await orders_for(world.sessionmaker, shop.channel.id, str(sold["id"]))
    admin = await world.token("admin")
    order = (await world.client.get(f"/orders/{order_id}", headers=admin)).json()
    assert [(line["sku"], line["quantity"]) for line in order["lines"]] == [(shop.tee.code, 2)]
    assert order["language"] == "ro-RO"
    assert (await world.level(shop.tee, shop.location))["reserved"] == 2

    shopify.cancel(sold["id"])
    await sweep_channel_orders(world.sessionmaker, partners=partners())

    await _settle_all(world, shop.channel.id)
    order = (await world.client.get(f"/orders/{order_id}", headers=admin)).json()
    assert order["status"] == "cancelled"
    assert (await world.level(shop.tee, shop.location))["reserved"] == 0
    outcomes = [e["outcome"] for e in await stored_events(world.sessionmaker, shop.channel.id)]
    assert outcomes == ["placed", "cancelled"]
