"""Shopify delivering over real HTTP (the fake shop on 127.0.0.1 posting to a running
service): an update overtaking its create, a delivery sent twice under one Webhook-Id,
then the cancellation; one order, in the state of the newest version."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from integrations.shopify.fake import FakeShopify
from oms.app import create_app
from oms.config import Settings
from tests.support.concurrency import live_server
from tests.support.inbound import orders_for, settle, stocked_shop, stored_events
from tests.support.world import World


@pytest.fixture
def shopify() -> Iterator[FakeShopify]:
    with FakeShopify() as running:
        yield running


async def _settled(world: World, channel_id: int) -> list[dict[str, object]]:
    events = await stored_events(world.sessionmaker, channel_id)
    for event in events:
        await settle(world.sessionmaker, int(str(event["id"])))
    return await stored_events(world.sessionmaker, channel_id)


async def test_shopify_deliveries_out_of_order_and_repeated_make_one_order(
    world: World, monkeypatch: pytest.MonkeyPatch, settings: Settings, shopify: FakeShopify
) -> None:
    shop = await stocked_shop(world, monkeypatch, adapter="shopify", secret="shpss_live")
    item = shopify.add_variant(shop.tee.code, price="19.99")
    shopify.set_quantity(item, shopify.add_location("Leeds"), 5)
    admin = await world.token("admin")

    async with live_server(create_app(settings)) as base_url:
        shopify.send_webhooks_to(f"{base_url}/webhooks/{shop.channel.code}", shop.secret)
        shopify.updated_before_create_next(1)
        shopify.duplicate_next(2)
        sold = shopify.sell(shop.tee.code, 2)
        assert await asyncio.to_thread(shopify.wait_for_deliveries)
        events = await _settled(world, shop.channel.id)
        sent = [(s.topic, s.webhook_id, s.status) for s in shopify.sent]
        assert len(sent) == 4  # each of the two sent twice, every attempt answered 200
        assert {status for *_, status in sent} == {200}
        assert len({webhook_id for _, webhook_id, _ in sent}) == 2

        # Two deliveries (each sent twice), the update first: it places the order, and the
        # create that follows is an older version.
        assert [(e["topic"], e["state"], e["outcome"]) for e in events] == [
            ("orders/updated", "applied", "placed"),
            ("orders/create", "ignored", "stale"),
        ]
        [order_id] = await orders_for(world.sessionmaker, shop.channel.id, str(sold["id"]))
        assert (await world.level(shop.tee, shop.location))["reserved"] == 2

        shopify.cancel(sold["id"])
        assert await asyncio.to_thread(shopify.wait_for_deliveries)
        events = await _settled(world, shop.channel.id)

    assert [(e["topic"], e["outcome"]) for e in events][-1] == ("orders/cancelled", "cancelled")
    order = (await world.client.get(f"/orders/{order_id}", headers=admin)).json()
    assert order["status"] == "cancelled"
    assert (await world.level(shop.tee, shop.location))["reserved"] == 0
