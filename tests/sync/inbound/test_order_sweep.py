"""The repair sweep: an order whose webhook never came is taken in from the partner's
"updated since" list (a real fake partner on 127.0.0.1), once, and the sweep moves on."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from integrations.webhook import connect, fake, signing
from oms.domain.channel_sync import Connection
from oms.sync.services.inbound import ingest_recent_orders, sweep_channel_orders
from tests.support.inbound import (
    Shop,
    new_external_id,
    orders_for,
    partners,
    sample,
    settle,
    signed,
    stocked_shop,
    stored_events,
)
from tests.support.world import World

_SWEPT_UNTIL = text("SELECT swept_until FROM channel_sync WHERE channel_id = :id")


@pytest.fixture
def receiver() -> Iterator[fake.FakeReceiver]:
    with fake.FakeReceiver(signing.new_secret()) as running:
        yield running


async def _partner_shop(
    world: World, monkeypatch: pytest.MonkeyPatch, receiver: fake.FakeReceiver
) -> Shop:
    partners()
    return await stocked_shop(
        world, monkeypatch, partner_url=receiver.url, credentials=receiver.secrets[0]
    )


def _order_data(shop: Shop, external_id: str, at: datetime) -> dict[str, Any]:
    data: dict[str, Any] = sample("webhook", "order_created_ship.json")["data"]
    data.update(id=external_id, updated_at=at.isoformat(), total=None)
    data["lines"] = [{"sku": shop.tee.code, "quantity": 2, "unit_price": 1500}]
    return data


async def _swept_until(world: World, shop: Shop) -> datetime | None:
    async with world.sessionmaker() as session:
        found: datetime | None = await session.scalar(_SWEPT_UNTIL, {"id": shop.channel.id})
        return found


async def test_the_sweep_takes_in_an_order_whose_webhook_never_came_once(
    world: World, monkeypatch: pytest.MonkeyPatch, receiver: fake.FakeReceiver
) -> None:
    shop = await _partner_shop(world, monkeypatch, receiver)
    external_id = new_external_id()
    at = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    receiver.remember_order(_order_data(shop, external_id, at))
    started = datetime.now(UTC)

    taken = await sweep_channel_orders(world.sessionmaker, partners=partners())

    # (The app's own periodic sweep may be the one that took it in: counts are not asserted
    # where it could, what ends in the database is.)
    assert shop.channel.code in taken
    [event] = await stored_events(world.sessionmaker, shop.channel.id)
    await settle(world.sessionmaker, event["id"])
    [order_id] = await orders_for(world.sessionmaker, shop.channel.id, external_id)
    admin = await world.token("admin")
    order = (await world.client.get(f"/orders/{order_id}", headers=admin)).json()
    assert [(line["sku"], line["quantity"]) for line in order["lines"]] == [(shop.tee.code, 2)]
    [event] = await stored_events(world.sessionmaker, shop.channel.id)
    assert (event["topic"], event["state"], event["outcome"]) == ("sweep", "applied", "placed")
    assert event["delivery_id"] == f"sweep:{at.isoformat()}:{external_id}"
    swept = await _swept_until(world, shop)
    assert swept is not None
    assert swept >= started - timedelta(seconds=5)

    # The next sweep overlaps the last: the same version is found again and changes nothing.
    again = await sweep_channel_orders(world.sessionmaker, partners=partners())
    assert again[shop.channel.code] == 0
    assert len(await stored_events(world.sessionmaker, shop.channel.id)) == 1
    # ... and the webhook arriving late is a stale version, not a second order.
    body = _late_webhook(shop, external_id, at)
    response = await world.client.post(
        f"/webhooks/{shop.channel.code}", content=body, headers=signed(shop.secret, body)
    )
    assert response.json() == {"status": "accepted"}
    assert len(await orders_for(world.sessionmaker, shop.channel.id, external_id)) == 1
    assert (await world.level(shop.tee, shop.location))["reserved"] == 2


def _late_webhook(shop: Shop, external_id: str, at: datetime) -> bytes:
    event = sample("webhook", "order_created_ship.json")
    event["data"] = _order_data(shop, external_id, at)
    return json.dumps(event).encode()


async def test_a_partner_that_is_down_leaves_the_sweep_mark_where_it_was(
    world: World, monkeypatch: pytest.MonkeyPatch, receiver: fake.FakeReceiver
) -> None:
    shop = await _partner_shop(world, monkeypatch, receiver)
    receiver.remember_order(
        _order_data(shop, new_external_id(), datetime.now(UTC) - timedelta(minutes=5))
    )
    receiver.fail_next(50, status=503)

    taken = await sweep_channel_orders(world.sessionmaker, partners=partners())

    assert shop.channel.code not in taken
    assert await _swept_until(world, shop) is None
    assert await stored_events(world.sessionmaker, shop.channel.id) == []


async def test_recent_orders_are_taken_in_for_one_channel_on_demand(
    world: World, monkeypatch: pytest.MonkeyPatch, receiver: fake.FakeReceiver
) -> None:
    shop = await _partner_shop(world, monkeypatch, receiver)
    external_id = new_external_id()
    at = datetime.now(UTC) - timedelta(minutes=2)
    receiver.remember_order(_order_data(shop, external_id, at))
    adapter = connect(
        Connection(
            channel=shop.channel.code,
            partner_url=receiver.url,
            api_version=None,
            credentials=receiver.secrets[0],
        )
    )
    try:
        taken = await ingest_recent_orders(
            world.sessionmaker, shop.channel.code, adapter, at - timedelta(minutes=1)
        )
        again = await ingest_recent_orders(
            world.sessionmaker, shop.channel.code, adapter, at - timedelta(minutes=1)
        )
    finally:
        await adapter.aclose()

    assert taken in (0, 1)  # 0: the app's own periodic sweep took it in first
    assert again == 0
    [event] = await stored_events(world.sessionmaker, shop.channel.id)
    assert await settle(world.sessionmaker, event["id"]) == "applied"
    assert len(await orders_for(world.sessionmaker, shop.channel.id, external_id)) == 1
