"""Settings and listings made through the API, published by the worker's own steps to a
real webhook receiver on 127.0.0.1: what the partner shows is what the listing says."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from integrations.webhook.fake import FakeReceiver
from oms.db.models import Channel
from tests.support.sync import new_secret, run_sync
from tests.support.sync_settings import put_settings
from tests.support.world import World

SECRET_ENV = "SYNC_API_TEST_WEBHOOK_SECRET"


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeReceiver]:
    secret = new_secret()
    monkeypatch.setenv(SECRET_ENV, secret)
    with FakeReceiver(secret) as fake:
        yield fake


async def _items(world: World, channel: Channel, headers: dict[str, str]) -> list[dict[str, Any]]:
    page = await world.client.get(f"/channels/{channel.code}/listings", headers=headers)
    assert page.status_code == 200, page.text
    items: list[dict[str, Any]] = page.json()["items"]
    return items


async def test_per_location_listings_reach_their_partner_locations(
    world: World, receiver: FakeReceiver
) -> None:
    admin = await world.token("admin")
    store_a, store_b = await world.location(), await world.location()
    sku = await world.sku()
    await world.stock(sku, store_a, 9)
    await world.stock(sku, store_b, 5, safety_stock=1)
    channel = await world.channel()
    feeds = [
        {"location": store_a.code, "partner_location_id": "P-A"},
        {"location": store_b.code, "partner_location_id": "P-B"},
    ]
    settings = await put_settings(
        world,
        channel,
        admin,
        partner_url=receiver.url,
        credentials_env=SECRET_ENV,
        per_location=True,
        feed_locations=feeds,
        policy={"buffer": 1},
    )
    assert settings["credentials_set"] is True
    created = await world.client.post(
        f"/channels/{channel.code}/listings",
        json={"sku": sku.code, "partner_sku": "THEIRS"},
        headers=admin,
    )
    assert created.status_code == 201, created.text

    await run_sync(world, channel)

    assert receiver.quantities == {("THEIRS", "P-A"): 8, ("THEIRS", "P-B"): 3}
    items = await _items(world, channel, admin)
    assert {(i["location"], i["published_qty"], i["state"]) for i in items} == {
        (store_a.code, 8, "in_sync"),
        (store_b.code, 3, "in_sync"),
    }
    assert all(i["published_qty"] == i["quantity_now"] for i in items)
    assert all(i["pushed_at"] is not None for i in items)

    # A new policy: the listings are pending until the next pass publishes it.
    await put_settings(
        world,
        channel,
        admin,
        partner_url=receiver.url,
        credentials_env=SECRET_ENV,
        per_location=True,
        feed_locations=feeds,
        policy={"buffer": 1, "max_quantity": 2},
    )
    assert {i["state"] for i in await _items(world, channel, admin)} == {"pending"}
    await run_sync(world, channel)
    assert receiver.quantities == {("THEIRS", "P-A"): 2, ("THEIRS", "P-B"): 2}
    assert {i["state"] for i in await _items(world, channel, admin)} == {"in_sync"}


async def test_a_deactivated_sku_is_published_as_zero(world: World, receiver: FakeReceiver) -> None:
    admin = await world.token("admin")
    store = await world.location()
    sku = await world.sku()
    await world.stock(sku, store, 6)
    channel = await world.channel()
    await put_settings(world, channel, admin, partner_url=receiver.url, credentials_env=SECRET_ENV)
    url = f"/channels/{channel.code}/listings"
    assert (await world.client.post(url, json={"sku": sku.code}, headers=admin)).status_code == 201
    await run_sync(world, channel)
    assert receiver.quantities == {(sku.code, None): 6}

    patched = await world.client.patch(f"/skus/{sku.code}", json={"active": False}, headers=admin)
    assert patched.status_code == 200, patched.text
    (item,) = await _items(world, channel, admin)
    assert (item["state"], item["quantity_now"], item["published_qty"]) == ("pending", 0, 6)
    await run_sync(world, channel)
    assert receiver.quantities == {(sku.code, None): 0}
