"""The repair sweep's look-up, ``GET {partner_url}/orders?updated_since=``, against the fake
receiver: signed, filtered, oldest change first, and [] where the receiver has none."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from integrations.webhook import WebhookAdapter, fake, signing
from oms.domain.channel_sync import PartnerConfigError, PartnerUnavailable
from tests.support.webhook_channel import sample

SINCE = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


def data(name: str) -> dict[str, Any]:
    found: dict[str, Any] = sample(name)["data"]
    return found


async def test_orders_changed_since_come_oldest_first(
    adapter: WebhookAdapter, receiver: fake.FakeReceiver
) -> None:
    receiver.remember_order(data("order_created_pickup"))  # 09:01:05Z: before SINCE
    receiver.remember_order(data("order_cancelled"))  # WH-10042 at 11:00
    receiver.remember_order(data("order_updated"))  # WH-10042 at 09:40: older, ignored
    later = {**data("order_created_ship"), "id": "WH-2", "updated_at": "2026-11-20T10:00:00Z"}
    receiver.remember_order(later)
    orders = await adapter.orders_updated_since(SINCE)
    assert [(o.external_id, o.cancelled) for o in orders] == [("WH-2", False), ("WH-10042", True)]
    assert orders[0].updated_at == datetime(2026, 11, 20, 10, tzinfo=UTC)
    assert orders[1].order["lines"] == [
        {"sku": "TEE-BLK-M", "quantity": 1, "unit_price": 1500, "currency": "GBP"}
    ]
    [call] = receiver.calls
    assert (call.method, call.path, call.status) == ("GET", "/orders", 200)


async def test_a_pickup_location_is_taken_as_our_code(
    adapter: WebhookAdapter, receiver: fake.FakeReceiver
) -> None:
    receiver.remember_order(data("order_created_pickup"))
    [order] = await adapter.orders_updated_since(SINCE - timedelta(hours=1))
    assert order.order["deliveries"] == [{"method": "pickup", "location": "partner-store-7"}]


async def test_an_unreadable_order_is_skipped(
    adapter: WebhookAdapter, receiver: fake.FakeReceiver
) -> None:
    broken = {**data("order_created_ship"), "id": "WH-BAD", "updated_at": "2026-11-20T10:00:00Z"}
    del broken["lines"]
    receiver.remember_order(broken)
    receiver.remember_order(data("order_cancelled"))
    orders = await adapter.orders_updated_since(SINCE)
    assert [o.external_id for o in orders] == ["WH-10042"]


async def test_a_receiver_without_the_look_up_gives_nothing(
    secret: str, connect_to: Callable[..., WebhookAdapter]
) -> None:
    with fake.FakeReceiver(secret, serve_orders=False) as plain:
        plain.remember_order(data("order_cancelled"))
        adapter = connect_to(plain.url, secret)
        assert await adapter.orders_updated_since(SINCE) == []


async def test_the_look_up_is_signed(
    receiver: fake.FakeReceiver, connect_to: Callable[..., WebhookAdapter]
) -> None:
    stranger = connect_to(receiver.url, signing.new_secret())
    with pytest.raises(PartnerConfigError, match=r"signature \(401\)"):
        await stranger.orders_updated_since(SINCE)


async def test_a_naive_since_is_read_as_utc(
    adapter: WebhookAdapter, receiver: fake.FakeReceiver
) -> None:
    receiver.remember_order(data("order_cancelled"))
    orders = await adapter.orders_updated_since(SINCE.replace(tzinfo=None))
    assert [o.external_id for o in orders] == ["WH-10042"]


async def test_failures_read_as_for_pushes(
    adapter: WebhookAdapter, receiver: fake.FakeReceiver
) -> None:
    receiver.fail_next(1, status=502)
    with pytest.raises(PartnerUnavailable):
        await adapter.orders_updated_since(SINCE)
    receiver.fail_next(1, status=405)
    with pytest.raises(PartnerConfigError, match="405"):
        await adapter.orders_updated_since(SINCE)
