"""Publishing quantities to the fake Shopify (a real GraphQL server on 127.0.0.1), and to
every kind of channel at once after every kind of stock change in a store.

What the fake shows is compared with what we should publish, computed here from the
levels themselves, not with what the service says it published.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from sqlalchemy import text

from integrations.shopify.fake import FakeShopify
from integrations.webhook.fake import FakeReceiver
from oms.db.models import Channel, Location, Sku
from oms.domain.channel_sync import QuantityPolicy, publishable
from tests.support.fulfilment import place
from tests.support.orders import pickup_at
from tests.support.sync import listing, listing_row, new_secret, run_sync, synced_channel
from tests.support.world import World

TOKEN_ENV, SECRET_ENV = "SYNC_TEST_SHOPIFY_TOKEN", "SYNC_TEST_HOOK_SECRET"


@pytest.fixture
def shop(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeShopify]:
    with FakeShopify() as fake:
        monkeypatch.setenv(TOKEN_ENV, fake.access_token)
        # Webhooks are held: the partner's sale has not reached us (a delayed webhook).
        fake.send_webhooks_to("http://127.0.0.1:9/unused", "unused", when="hold")
        yield fake


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeReceiver]:
    secret = new_secret()
    monkeypatch.setenv(SECRET_ENV, secret)
    with FakeReceiver(secret) as fake:
        yield fake


async def shopify_channel(
    world: World,
    shop: FakeShopify,
    *,
    feeds: Sequence[tuple[Location, str | None]] = (),
    **sync: Any,
) -> Channel:
    return await synced_channel(
        world,
        adapter="shopify",
        partner_url=shop.url,
        api_version="2026-04",
        credentials_env=TOKEN_ENV,
        feeds=feeds,
        **sync,
    )


async def expected(
    world: World, sku: Sku, stores: Sequence[Location], policy: QuantityPolicy
) -> int:
    levels = [await world.level(sku, store) for store in stores]
    units = [lv["on_hand"] - lv["reserved"] - lv["safety_stock"] for lv in levels]
    return publishable(units, policy)


async def test_a_sale_whose_webhook_is_late_is_never_sold_again(
    world: World, shop: FakeShopify
) -> None:
    store = await world.location(name="Deansgate")
    sku = await world.sku()
    await world.stock(sku, store, 10)
    where = shop.add_location("Deansgate")
    item = shop.add_variant(sku.code)
    channel = await shopify_channel(world, shop, feeds=[(store, where)], partner_location_id=where)
    listing_id = await listing(world, channel, sku, partner_location_id=where)
    await run_sync(world, channel)
    assert shop.quantity(item, where) == 10
    assert (await listing_row(world, listing_id))["partner_item_id"] == item  # resolved once

    sold = shop.sell(sku.code, 2, "Deansgate")  # its webhook is held: we do not know
    admin = await world.token("admin")
    walk_in = await world.client.post(
        "/inventory/sales",
        json={"location": store.code, "lines": [{"sku": sku.code, "quantity": 1}]},
        headers=admin,
    )
    assert walk_in.status_code == 201, walk_in.text

    report = await run_sync(world, channel)

    # A blind push would have shown 9 and sold Shopify's 2 units again; the stale answer
    # made us take the order in first (reserving 2), then push 7 against Shopify's 8.
    assert report.stale == 1
    assert shop.quantity(item, where) == 7
    assert shop.history(item, where)[-3:] == [10, 8, 7]
    async with world.sessionmaker() as session:
        taken = await session.scalar(
            text(
                "SELECT count(*) FROM sales_order o JOIN channel c ON c.id = o.channel_id"
                " WHERE c.code = :code AND o.external_id = :id"
            ),
            {"code": channel.code, "id": str(sold["id"])},
        )
    assert taken == 1
    assert await world.level(sku, store) == {"on_hand": 9, "reserved": 2, "safety_stock": 0}
    await world.assert_audit_clean()


async def test_throttled_by_cost_then_converges_within_the_batch_limit(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = await world.location()
    with FakeShopify(bucket_size=300, restore_rate=200) as shop:
        monkeypatch.setenv(TOKEN_ENV, shop.access_token)
        where = shop.add_location("Store")
        skus = [await world.sku() for _ in range(300)]
        channel = await shopify_channel(world, shop, partner_location_id=where)
        items = {}
        for n, sku in enumerate(skus):
            items[sku.code] = shop.add_variant(sku.code)
            await world.stock(sku, store, n % 9 + 1)
            await listing(world, channel, sku, partner_location_id=where)
        shop.throttle_storm(2)

        deadline = time.monotonic() + 30
        throttled = 0
        while time.monotonic() < deadline:
            report = await run_sync(world, channel)
            throttled += report.throttled
            if all(
                shop.quantity(items[sku.code], where) == n % 9 + 1 for n, sku in enumerate(skus)
            ):
                break
            await asyncio.sleep(0.2)

        assert throttled >= 1
        assert shop.largest_batch <= 250
        for n, sku in enumerate(skus):
            assert shop.quantity(items[sku.code], where) == n % 9 + 1


async def test_every_kind_of_store_change_reaches_every_kind_of_channel(
    world: World, shop: FakeShopify, receiver: FakeReceiver
) -> None:
    """A walk-in sale, a hold, an order, a receipt and a safety-stock change in a store:
    the Shopify network channel, the Shopify per-location channel and the generic receiver
    each show the new quantity, with their own policy."""
    north, south = await world.location(name="North"), await world.location(name="South")
    sku = await world.sku()
    await world.stock(sku, north, 20)
    await world.stock(sku, south, 8)
    network_at, north_at, south_at = (shop.add_location(n) for n in ("Web", "North", "South"))
    item = shop.add_variant(sku.code)
    network_policy = QuantityPolicy(buffer=2, percent=80, max_quantity=20)
    network = await shopify_channel(
        world,
        shop,
        partner_location_id=network_at,
        feeds=[(north, None), (south, None)],
        buffer=2,
        percent=80,
        max_quantity=20,
    )
    per_store = await shopify_channel(
        world,
        shop,
        per_location=True,
        feeds=[(north, north_at), (south, south_at)],
        zero_at_or_below=2,
    )
    generic = await synced_channel(
        world,
        adapter="webhook",
        partner_url=receiver.url,
        credentials_env=SECRET_ENV,
        feeds=[(north, None)],
        percent=50,
    )
    await listing(world, network, sku, partner_location_id=network_at)
    for store, at in ((north, north_at), (south, south_at)):
        await listing(world, per_store, sku, location=store, partner_location_id=at)
    await listing(world, generic, sku)
    admin = await world.token("admin")

    async def sale() -> None:
        body = {"location": north.code, "lines": [{"sku": sku.code, "quantity": 1}]}
        assert (
            await world.client.post("/inventory/sales", json=body, headers=admin)
        ).status_code == 201

    async def hold() -> None:
        body = {"location": north.code, "lines": [{"sku": sku.code, "quantity": 3}]}
        assert (await world.client.post("/holds", json=body, headers=admin)).status_code == 201

    async def order() -> None:
        await place(world.client, world, await world.channel(), [(sku, 2)], pickup_at(south))

    async def receipt() -> None:
        body = {"location": south.code, "lines": [{"sku": sku.code, "quantity": 5}]}
        assert (
            await world.client.post("/inventory/receipts", json=body, headers=admin)
        ).status_code == 201

    async def safety_stock() -> None:
        response = await world.client.put(
            f"/inventory/levels/{north.code}/{sku.code}/safety-stock",
            json={"safety_stock": 4},
            headers=admin,
        )
        assert response.status_code == 200, response.text

    for change in (None, sale, hold, order, receipt, safety_stock):
        if change is not None:
            await change()
        for channel in (network, per_store, generic):
            await run_sync(world, channel)
        assert shop.quantity(item, network_at) == await expected(
            world, sku, [north, south], network_policy
        ), change
        for store, at in ((north, north_at), (south, south_at)):
            assert shop.quantity(item, at) == await expected(
                world, sku, [store], QuantityPolicy(zero_at_or_below=2)
            ), (change, store.name)
        assert receiver.quantities == {
            (sku.code, None): await expected(world, sku, [north], QuantityPolicy(percent=50))
        }, change
