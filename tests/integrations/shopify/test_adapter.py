"""The Shopify adapter against the fake Shopify over real HTTP."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import msgspec
import pytest

from integrations.registry import partner_for
from integrations.shopify import PARTNER, ShopifyAdapter, connect
from integrations.shopify.adapter import KEY_WINDOW_SECONDS
from integrations.shopify.fake import FakeShopify
from oms.domain.channel_sync import (
    PartnerConfigError,
    PartnerThrottled,
    PartnerUnavailable,
    PushResult,
)
from tests.support.shopify import Seeded, connection_to, seed, update


def ok(*listing_ids: int) -> list[PushResult]:
    return [PushResult(listing_id=listing_id, status="ok") for listing_id in listing_ids]


def mutations(shop: FakeShopify) -> list[int]:
    """The quantities each inventorySetQuantities call carried."""
    return [call.count for call in shop.calls if call.operation == "inventorySetQuantities"]


def test_the_partner_is_plugged_in_under_shopify() -> None:
    assert partner_for("shopify") is PARTNER
    assert PARTNER.connect is connect


# --- push ---------------------------------------------------------------------------------------


async def test_push_applies_and_reports_each_item(seeded: Seeded, adapter: ShopifyAdapter) -> None:
    s = seeded
    results = await adapter.push(
        [update(1, s.scarf, s.deansgate, 8, 5), update(2, s.beanie, s.warehouse, 3, None)]
    )
    assert results == ok(1, 2)
    assert s.shop.quantity(s.scarf, s.deansgate) == 8
    assert s.shop.quantity(s.beanie, s.warehouse) == 3
    assert mutations(s.shop) == [2]


async def test_a_stale_item_is_reported_and_the_others_still_applied(
    seeded: Seeded, adapter: ShopifyAdapter
) -> None:
    s = seeded
    s.shop.sell("SCARF-RED", 1, "Deansgate")  # Shopify sold one we have not heard of: 5 -> 4
    results = await adapter.push(
        [
            update(1, s.beanie, s.deansgate, 4, 0),
            update(2, s.scarf, s.deansgate, 9, 5),
            update(3, s.beanie, s.warehouse, 2, 0),
        ]
    )
    assert results == [*ok(1), PushResult(listing_id=2, status="stale"), *ok(3)]
    assert s.shop.quantity(s.scarf, s.deansgate) == 4  # the sale is not undone
    assert s.shop.quantity(s.beanie, s.deansgate) == 4
    assert s.shop.quantity(s.beanie, s.warehouse) == 2
    assert mutations(s.shop) == [3, 2]  # refused atomically, then the rest again


async def test_items_shopify_refuses_are_rejected_with_its_message(
    seeded: Seeded, adapter: ShopifyAdapter
) -> None:
    s = seeded
    results = await adapter.push(
        [
            update(1, "gid://shopify/InventoryItem/404", s.deansgate, 1, None),
            update(2, s.scarf, s.deansgate, 6, 5),
            update(3, s.beanie, None, 1, None),
        ]
    )
    assert results[0].status == "rejected"
    assert results[0].error is not None
    assert results[0].error.startswith("INVALID_INVENTORY_ITEM")
    assert results[1] == ok(2)[0]
    assert results[2] == PushResult(
        listing_id=3, status="rejected", error="no Shopify location for this listing"
    )
    assert s.shop.quantity(s.scarf, s.deansgate) == 6


async def test_batches_never_exceed_250(seeded: Seeded, adapter: ShopifyAdapter) -> None:
    s = seeded
    items = [s.shop.add_variant(f"BULK-{n:03}") for n in range(600)]
    updates = [update(n, item, s.warehouse, n % 7, 0) for n, item in enumerate(items)]
    results = []
    for start in range(0, len(updates), adapter.batch_size):
        results += await adapter.push(updates[start : start + adapter.batch_size])
    assert [r.status for r in results] == ["ok"] * 600
    assert mutations(s.shop) == [250, 250, 100]
    assert s.shop.largest_batch == 250
    assert s.shop.quantity(items[599], s.warehouse) == 599 % 7
    with pytest.raises(ValueError, match="at most 250"):
        await adapter.push(updates[:251])


async def test_a_retried_push_of_the_same_values_is_not_applied_twice(
    seeded: Seeded, adapter: ShopifyAdapter
) -> None:
    s = seeded
    adapter.clock = lambda: 1_800_000_000.0
    push = [update(1, s.scarf, s.deansgate, 8, 5)]
    assert await adapter.push(push) == ok(1)
    s.shop.sell("SCARF-RED", 2, "Deansgate")  # 8 -> 6 between the call and its retry
    adapter.clock = lambda: 1_800_000_090.0  # retried a minute and a half later
    assert await adapter.push(push) == ok(1)  # replayed: the same key and input
    assert s.shop.quantity(s.scarf, s.deansgate) == 6
    assert s.shop.history(s.scarf, s.deansgate) == [5, 8, 6]


async def test_a_later_push_repeating_an_earlier_one_is_applied(
    seeded: Seeded, adapter: ShopifyAdapter
) -> None:
    s = seeded
    adapter.clock = lambda: 1_800_000_000.0
    assert await adapter.push([update(1, s.scarf, s.deansgate, 8, 5)]) == ok(1)
    assert await adapter.push([update(1, s.scarf, s.deansgate, 5, 8)]) == ok(1)
    adapter.clock = lambda: 1_800_000_000.0 + KEY_WINDOW_SECONDS
    assert await adapter.push([update(1, s.scarf, s.deansgate, 8, 5)]) == ok(1)
    assert s.shop.quantity(s.scarf, s.deansgate) == 8
    assert s.shop.history(s.scarf, s.deansgate) == [5, 8, 5, 8]


# --- failures -----------------------------------------------------------------------------------


async def test_throttled_with_200_raises_with_the_wait_the_bucket_needs(
    connect_to: Callable[..., ShopifyAdapter],
) -> None:
    with FakeShopify(bucket_size=100, restore_rate=10) as shop:
        s = seed(shop)
        adapter = connect_to(shop)
        shop.throttle_storm(1)  # bucket at 0; the call costs 10 + 1
        with pytest.raises(PartnerThrottled) as caught:
            await adapter.push([update(1, s.scarf, s.deansgate, 8, 5)])
        assert caught.value.retry_after is not None
        assert 1.0 <= caught.value.retry_after <= 1.2  # 11 points at 10 per second
        assert shop.quantity(s.scarf, s.deansgate) == 5


async def test_throttled_with_429_uses_retry_after(
    connect_to: Callable[..., ShopifyAdapter],
) -> None:
    with FakeShopify(bucket_size=100, restore_rate=2, throttle_status=429) as shop:
        s = seed(shop)
        adapter = connect_to(shop)
        shop.throttle_storm(1)
        with pytest.raises(PartnerThrottled) as caught:
            await adapter.push([update(1, s.scarf, s.deansgate, 8, 5)])
        assert caught.value.retry_after == 6.0  # ceil(11 / 2), the header's figure


async def test_a_5xx_is_partner_unavailable(seeded: Seeded, adapter: ShopifyAdapter) -> None:
    s = seeded
    s.shop.fail_next(1, status=500)
    with pytest.raises(PartnerUnavailable):
        await adapter.push([update(1, s.scarf, s.deansgate, 8, 5)])
    s.shop.fail_next(1, status=503)
    with pytest.raises(PartnerUnavailable):
        await adapter.resolve_items(["SCARF-RED"], [None])
    assert s.shop.quantity(s.scarf, s.deansgate) == 5


async def test_a_slow_answer_is_partner_unavailable(
    seeded: Seeded, connect_to: Callable[..., ShopifyAdapter]
) -> None:
    s = seeded
    adapter = connect_to(s.shop, timeout_seconds=0.2)
    s.shop.answer_slowly(0.6)
    with pytest.raises(PartnerUnavailable, match="in time"):
        await adapter.push([update(1, s.scarf, s.deansgate, 8, 5)])


async def test_a_wrong_token_is_a_config_error(
    seeded: Seeded, connect_to: Callable[..., ShopifyAdapter]
) -> None:
    adapter = connect_to(seeded.shop, token="shpat_revoked")
    with pytest.raises(PartnerConfigError):
        await adapter.push([update(1, seeded.scarf, seeded.deansgate, 8, 5)])
    with pytest.raises(PartnerConfigError):
        await adapter.orders_updated_since(datetime.now(UTC))


def test_a_missing_token_or_bad_address_cannot_connect(seeded: Seeded) -> None:
    with pytest.raises(PartnerConfigError, match="access token"):
        connect(connection_to(seeded.shop, token=""))
    with pytest.raises(PartnerConfigError, match="API version"):
        connect(connection_to(seeded.shop, version="April"))
    with pytest.raises(PartnerConfigError, match="predates changeFromQuantity"):
        connect(connection_to(seeded.shop, version="2025-10"))
    bad = connection_to(seeded.shop)
    with pytest.raises(PartnerConfigError, match="shop URL"):
        connect(
            type(bad)(
                **{**{f: getattr(bad, f) for f in bad.__struct_fields__}, "partner_url": "shop"}
            )
        )


async def test_a_refused_connection_is_partner_unavailable(
    connect_to: Callable[..., ShopifyAdapter],
) -> None:
    shop = FakeShopify().start()
    s = seed(shop)
    adapter = connect_to(shop)
    shop.stop()
    with pytest.raises(PartnerUnavailable):
        await adapter.push([update(1, s.scarf, s.deansgate, 8, 5)])


# --- reads ---------------------------------------------------------------------------------------


async def test_resolve_items_finds_inventory_items_by_sku(
    seeded: Seeded, adapter: ShopifyAdapter
) -> None:
    s = seeded
    odd = s.shop.add_variant("it's-odd")
    found = await adapter.resolve_items(
        ["SCARF-RED", "NOT-SOLD", "BEANIE-GREY", "it's-odd"], [None] * 4
    )
    assert found == {"SCARF-RED": s.scarf, "BEANIE-GREY": s.beanie, "it's-odd": odd}


async def test_resolve_items_searches_in_chunks(seeded: Seeded, adapter: ShopifyAdapter) -> None:
    s = seeded
    items = {f"MANY-{n:03}": s.shop.add_variant(f"MANY-{n:03}") for n in range(120)}
    assert await adapter.resolve_items(list(items), [None] * 120) == items
    assert [c.operation for c in s.shop.calls] == ["productVariants"] * 3


async def test_current_quantities_reads_available_per_listing(
    seeded: Seeded, adapter: ShopifyAdapter
) -> None:
    s = seeded
    s.shop.set_quantity(s.beanie, s.warehouse, 7)
    shown = await adapter.current_quantities(
        [
            update(1, s.scarf, s.deansgate, 0, None),
            update(2, s.beanie, s.warehouse, 0, None),
            update(3, "gid://shopify/InventoryItem/404", s.warehouse, 0, None),
            update(4, None, s.warehouse, 0, None),
        ]
    )
    assert shown == {1: 5, 2: 7}


# --- orders --------------------------------------------------------------------------------------


async def test_orders_updated_since_returns_sold_orders_mapped(
    seeded: Seeded, connect_to: Callable[..., ShopifyAdapter]
) -> None:
    s = seeded
    adapter = connect_to(s.shop, stores={s.deansgate: "MAN-01"})
    before = datetime.now(UTC) - timedelta(seconds=2)
    shipped = s.shop.sell("SCARF-RED", 2, "Deansgate")
    picked = s.shop.sell("SCARF-RED", 1, "Deansgate", pickup=True)
    s.shop.cancel(shipped["id"])
    orders = await adapter.orders_updated_since(before)
    # Oldest change first (Shopify's times are whole seconds: ties keep the shop's order).
    assert [order.updated_at for order in orders] == sorted(order.updated_at for order in orders)
    by_id = {order.external_id: order for order in orders}
    assert set(by_id) == {str(picked["id"]), str(shipped["id"])}
    assert by_id[str(picked["id"])].cancelled is False
    assert by_id[str(picked["id"])].order["deliveries"] == [
        {"method": "pickup", "location": "MAN-01"}
    ]
    cancelled = by_id[str(shipped["id"])]
    assert cancelled.cancelled is True
    assert cancelled.order["lines"] == [
        {"sku": "SCARF-RED", "quantity": 2, "unit_price": 1999, "currency": "GBP"}
    ]
    assert cancelled.order["customer"]["email"] == "buyer@example.org"
    assert await adapter.orders_updated_since(datetime.now(UTC) + timedelta(minutes=1)) == []


async def test_a_change_in_the_same_second_as_since_is_found(
    seeded: Seeded, adapter: ShopifyAdapter
) -> None:
    s = seeded
    sold = s.shop.sell("SCARF-RED", 1, "Deansgate")
    # Shopify writes whole seconds: a change at .9 s reads as .0, before a ``since`` at .5 s.
    since = datetime.fromisoformat(sold["updated_at"]) + timedelta(milliseconds=500)
    orders = await adapter.orders_updated_since(since)
    assert [order.external_id for order in orders] == [str(sold["id"])]


async def test_orders_updated_since_follows_every_page(
    seeded: Seeded, adapter: ShopifyAdapter
) -> None:
    s = seeded
    s.shop.set_quantity(s.scarf, s.deansgate, 600)
    sold = [s.shop.sell("SCARF-RED", 1, "Deansgate")["id"] for _ in range(520)]
    orders = await adapter.orders_updated_since(datetime.now(UTC) - timedelta(minutes=1))
    assert sorted(int(order.external_id) for order in orders) == sorted(sold)
    assert [c.operation for c in s.shop.calls] == ["orders"] * 3  # 250 + 250 + 20


async def test_orders_updated_since_throttled_raises_with_retry_after(
    seeded: Seeded, adapter: ShopifyAdapter
) -> None:
    seeded.shop.throttle_storm(1)
    with pytest.raises(PartnerThrottled) as caught:
        await adapter.orders_updated_since(datetime.now(UTC))
    assert caught.value.retry_after is not None
    assert caught.value.retry_after >= 1


async def test_inside_one_window_a_repeat_after_a_change_is_applied_too(
    seeded: Seeded, adapter: ShopifyAdapter
) -> None:
    """The listing's version is part of the key: 5 -> 8 -> 5 -> 8 within a minute is three
    pushes Shopify applies, while a retry of one of them (same version) is not applied twice."""
    s = seeded
    adapter.clock = lambda: 1_800_000_000.0
    first = msgspec.structs.replace(update(1, s.scarf, s.deansgate, 8, 5), version=1)
    assert await adapter.push([first]) == ok(1)
    back = msgspec.structs.replace(update(1, s.scarf, s.deansgate, 5, 8), version=2)
    assert await adapter.push([back]) == ok(1)
    again = msgspec.structs.replace(first, version=3)
    assert await adapter.push([again]) == ok(1)
    assert await adapter.push([again]) == ok(1)  # its retry: replayed
    assert s.shop.history(s.scarf, s.deansgate) == [5, 8, 5, 8]


async def test_calls_wait_for_the_cost_bucket_instead_of_being_throttled(
    connect_to: Callable[..., ShopifyAdapter],
) -> None:
    """Each answer reports the bucket; the next call waits for the points it needs."""
    with FakeShopify(bucket_size=300, restore_rate=200) as shop:
        where = shop.add_location("Deansgate")
        items = [shop.add_variant(f"SKU-{n}") for n in range(250)]
        adapter = connect_to(shop)
        started = time.monotonic()
        for round_ in range(3):  # each push costs 10 + 250 of a 300-point bucket
            pushed = [update(n, item, where, round_ + 1, None) for n, item in enumerate(items)]
            assert await adapter.push(pushed) == ok(*range(250))
        waited = time.monotonic() - started
        assert [call.throttled for call in shop.calls] == [False, False, False]
        assert all(shop.quantity(item, where) == 3 for item in items)
        assert waited >= 2 * (260 - 40) / 200 * 0.9  # it did wait for the points
