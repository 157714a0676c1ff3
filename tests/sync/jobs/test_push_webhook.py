"""Publishing quantities to a generic webhook receiver (a real server on 127.0.0.1).

Each test runs the worker's own steps (a dispatcher tick, then a pass of the channel)
and reads the result back twice: from the receiver (what the partner shows) and from the
listing's row (what we recorded).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text

from integrations.webhook.fake import FakeReceiver
from oms.config import Settings
from oms.db.models import Channel, Location, Sku
from oms.domain.stock import MovementKind
from oms.inventory.ledger.writers import Source, add_on_hand
from oms.sync.services.dispatch import dispatch
from tests.support.sync import (
    TEST_TIMING,
    due_now,
    listing,
    listing_row,
    new_secret,
    run_sync,
    synced_channel,
)
from tests.support.world import World, unique

SECRET_ENV = "SYNC_TEST_WEBHOOK_SECRET"


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeReceiver]:
    secret = new_secret()
    monkeypatch.setenv(SECRET_ENV, secret)
    with FakeReceiver(secret) as fake:
        yield fake


async def webhook_channel(world: World, receiver: FakeReceiver, **policy: Any) -> Channel:
    return await synced_channel(
        world, adapter="webhook", partner_url=receiver.url, credentials_env=SECRET_ENV, **policy
    )


async def change(world: World, sku: Sku, store: Location, delta: int) -> None:
    async with world.sessionmaker() as session, session.begin():
        await add_on_hand(
            session, sku.id, store.id, delta, MovementKind.ADJUSTMENT, Source("test", "t", "test")
        )


async def test_publishes_with_the_policy_and_then_only_changes(
    world: World, receiver: FakeReceiver
) -> None:
    store, other = await world.location(), await world.location()
    a, b = await world.sku(), await world.sku()
    await world.stock(a, store, 10)
    await world.stock(a, other, 7, safety_stock=2)
    await world.stock(b, store, 3)
    channel = await webhook_channel(world, receiver, buffer=1, percent=50)
    la, lb = await listing(world, channel, a), await listing(world, channel, b)

    report = await run_sync(world, channel)

    # a: (10 + 7 - 2) - 1 = 14 -> 50% = 7; b: 3 - 1 = 2 -> 50% = 1
    assert receiver.quantities == {(a.code, None): 7, (b.code, None): 1}
    assert (report.pushed, report.calls) == (2, 1)
    row = await listing_row(world, la)
    assert (row["published_qty"], row["pending_since"], row["pending_seq"]) == (
        7,
        None,
        row["synced_seq"],
    )

    await change(world, a, store, -2)  # (8 + 5) - 1 = 12 -> 6
    report = await run_sync(world, channel)
    assert receiver.quantities[(a.code, None)] == 6
    assert report.pushed == 1  # b did not change: not pushed, not even computed
    assert [s.sku for s in receiver.history[-1:]] == [a.code]
    assert (await listing_row(world, lb))["published_qty"] == 1

    await change(world, a, store, 1)  # signals whose changes cancel out
    await change(world, a, store, -1)
    calls = len(receiver.pushes())
    await run_sync(world, channel)
    assert len(receiver.pushes()) == calls


async def test_a_burst_on_one_sku_collapses_into_a_few_pushes(
    world: World, receiver: FakeReceiver
) -> None:
    store = await world.location()
    sku = await world.sku()
    await world.stock(sku, store, 5000)
    channel = await webhook_channel(world, receiver)
    await listing(world, channel, sku)
    await run_sync(world, channel)
    assert receiver.quantities == {(sku.code, None): 5000}
    stop = asyncio.Event()
    timing = TEST_TIMING.__class__(
        pass_seconds=5.0, lease_seconds=30.0, window_seconds=0.5, timeout_seconds=2.0
    )

    async def worker() -> None:  # ticks every 0.1 s, as the scheduler would
        while not stop.is_set():
            await run_sync(world, channel, timing=timing)
            await asyncio.sleep(0.1)

    running = asyncio.create_task(worker())
    started = time.monotonic()
    for _ in range(1000):
        await change(world, sku, store, -1)
    burst = time.monotonic() - started
    await asyncio.sleep(timing.window_seconds + 0.3)
    stop.set()
    await running
    await run_sync(world, channel, timing=timing)

    assert receiver.quantities == {(sku.code, None): 4000}
    pushes = len(receiver.pushes()) - 1
    # At most one push per window while the burst lasted, plus the final one.
    assert 1 <= pushes <= burst / timing.window_seconds + 2, (pushes, burst)


async def test_batches_stay_within_the_partner_limit(world: World, receiver: FakeReceiver) -> None:
    store = await world.location()
    channel = await webhook_channel(world, receiver)
    skus = [await world.sku() for _ in range(230)]
    for n, sku in enumerate(skus):
        await world.stock(sku, store, n + 1)
        await listing(world, channel, sku)

    await run_sync(world, channel)

    assert [call.count for call in receiver.pushes()] == [100, 100, 30]
    assert receiver.quantities == {(sku.code, None): n + 1 for n, sku in enumerate(skus)}


async def test_throttled_waits_for_retry_after_then_converges(
    world: World, receiver: FakeReceiver
) -> None:
    store, sku = await world.location(), await world.sku()
    await world.stock(sku, store, 4)
    channel = await webhook_channel(world, receiver)
    listing_id = await listing(world, channel, sku)
    receiver.throttle_next(3, retry_after="1")

    report = await run_sync(world, channel)
    assert report.throttled
    assert receiver.quantities == {}
    throttled_at = receiver.calls[-1].at
    # Paused: the next ticks do not call the partner until Retry-After has passed.
    for _ in range(3):
        await run_sync(world, channel)
    assert len(receiver.calls) == 1
    row = await listing_row(world, listing_id)
    assert (row["attempts"], row["lease_token"]) == (0, None)  # a throttle is no failure

    deadline = time.monotonic() + 10
    while receiver.quantities != {(sku.code, None): 4} and time.monotonic() < deadline:
        await run_sync(world, channel)
        await asyncio.sleep(0.2)
    assert receiver.quantities == {(sku.code, None): 4}
    gaps = [
        (b.at - a.at).total_seconds()
        for a, b in zip(receiver.calls, receiver.calls[1:], strict=False)
    ]
    assert all(gap >= 0.95 for gap in gaps), gaps  # every 429 waited its second
    assert receiver.calls[1].at > throttled_at


async def test_partner_down_backs_off_per_listing_then_converges(
    world: World, receiver: FakeReceiver
) -> None:
    store, sku = await world.location(), await world.sku()
    await world.stock(sku, store, 6)
    channel = await webhook_channel(world, receiver)
    listing_id = await listing(world, channel, sku)
    receiver.fail_next(2, status=503)

    report = await run_sync(world, channel)
    assert report.failed == 1
    assert report.errors
    row = await listing_row(world, listing_id)
    assert (row["attempts"], row["published_qty"]) == (1, None)
    assert row["last_error"]
    async with world.sessionmaker() as session:
        waits = await session.scalar(
            text("SELECT next_attempt_at > now() FROM channel_listing WHERE id = :id"),
            {"id": listing_id},
        )
    assert waits  # backing off: the next tick leaves it alone
    calls = len(receiver.calls)
    await run_sync(world, channel)
    assert len(receiver.calls) == calls

    await due_now(world, channel)
    await run_sync(world, channel)  # the second 503
    await due_now(world, channel)
    await run_sync(world, channel)
    assert receiver.quantities == {(sku.code, None): 6}
    row = await listing_row(world, listing_id)
    assert (row["attempts"], row["last_error"], row["published_qty"]) == (0, None, 6)


async def test_slow_partner_times_out_and_is_retried(world: World, receiver: FakeReceiver) -> None:
    store, sku = await world.location(), await world.sku()
    await world.stock(sku, store, 2)
    channel = await webhook_channel(world, receiver)
    listing_id = await listing(world, channel, sku)
    receiver.delay_seconds = TEST_TIMING.timeout_seconds + 1

    await run_sync(world, channel)
    assert (await listing_row(world, listing_id))["attempts"] == 1

    receiver.delay_seconds = 0
    await due_now(world, channel)
    await run_sync(world, channel)
    assert receiver.quantities[(sku.code, None)] == 2


async def test_one_refused_item_does_not_block_the_others(
    world: World, receiver: FakeReceiver
) -> None:
    store = await world.location()
    good, bad = await world.sku(), await world.sku()
    for sku in (good, bad):
        await world.stock(sku, store, 3)
    channel = await webhook_channel(world, receiver)
    good_id, bad_id = await listing(world, channel, good), await listing(world, channel, bad)
    receiver.reject_skus[bad.code] = "unknown item"

    await run_sync(world, channel)

    assert receiver.quantities == {(good.code, None): 3}
    assert (await listing_row(world, good_id))["published_qty"] == 3
    bad_row = await listing_row(world, bad_id)
    assert "unknown item" in bad_row["last_error"]
    assert bad_row["published_qty"] is None
    status = await world.client.get(
        f"/channels/{channel.code}/sync/status", headers=await world.token("admin")
    )
    assert status.status_code == 200, status.text
    assert (status.json()["pending"], status.json()["failing"]) == (1, 1)


async def test_changes_made_while_nothing_dispatches_are_not_lost(
    world: World, receiver: FakeReceiver
) -> None:
    """A broker outage or a stopped worker: no tick runs, the signals wait in the database."""
    store, sku = await world.location(), await world.sku()
    await world.stock(sku, store, 10)
    channel = await webhook_channel(world, receiver)
    await listing(world, channel, sku)
    await run_sync(world, channel)

    for _ in range(5):
        await change(world, sku, store, -1)  # no tick: the broker is away
    assert receiver.quantities == {(sku.code, None): 10}

    await run_sync(world, channel)  # back
    assert receiver.quantities == {(sku.code, None): 5}


async def test_an_inactive_sku_or_channel_publishes_zero(
    world: World, receiver: FakeReceiver
) -> None:
    store, sku = await world.location(), await world.sku(code=unique("ZERO"))
    await world.stock(sku, store, 8)
    channel = await webhook_channel(world, receiver)
    await listing(world, channel, sku)
    await run_sync(world, channel)
    assert receiver.quantities == {(sku.code, None): 8}
    admin = await world.token("admin")

    response = await world.client.delete(f"/channels/{channel.code}", headers=admin)
    assert response.status_code == 200, response.text
    await run_sync(world, channel)
    assert receiver.quantities == {(sku.code, None): 0}


async def test_per_location_channel_publishes_each_store_to_its_partner_location(
    world: World, receiver: FakeReceiver
) -> None:
    north, south, warehouse = await world.location(), await world.location(), await world.location()
    sku = await world.sku()
    await world.stock(sku, north, 6)
    await world.stock(sku, south, 9, safety_stock=4)
    await world.stock(sku, warehouse, 100)  # feeds nothing: not a feeding location
    channel = await synced_channel(
        world,
        adapter="webhook",
        partner_url=receiver.url,
        credentials_env=SECRET_ENV,
        per_location=True,
        feeds=[(north, "P-NORTH"), (south, "P-SOUTH")],
        zero_at_or_below=1,
    )
    for store, partner in ((north, "P-NORTH"), (south, "P-SOUTH")):
        await listing(world, channel, sku, location=store, partner_location_id=partner)

    await run_sync(world, channel)
    assert receiver.quantities == {(sku.code, "P-NORTH"): 6, (sku.code, "P-SOUTH"): 5}

    await change(world, sku, south, -4)  # 1 left over safety stock: at the threshold -> 0
    await run_sync(world, channel)
    assert receiver.quantities == {(sku.code, "P-NORTH"): 6, (sku.code, "P-SOUTH"): 0}
    assert [s.location for s in receiver.history[2:]] == ["P-SOUTH"]  # north untouched


async def test_a_killed_worker_loses_nothing_and_pushes_no_stale_value(
    world: World, receiver: FakeReceiver, settings: Settings
) -> None:
    store, sku = await world.location(), await world.sku()
    await world.stock(sku, store, 5)
    channel = await webhook_channel(world, receiver)
    listing_id = await listing(world, channel, sku)
    await dispatch(world.sessionmaker, window_seconds=0.0)
    receiver.delay_seconds = 2.0  # the push is in flight when the worker dies
    assert settings.database_url is not None
    worker = subprocess.Popen(  # noqa: ASYNC220  # killed below, never awaited
        [
            sys.executable,
            "-m",
            "tests.support.sync_pass_process",
            settings.database_url,
            channel.code,
            "3",
        ],
        env={**os.environ},
    )
    try:
        deadline = time.monotonic() + 20
        while (await listing_row(world, listing_id))["lease_token"] is None:
            assert time.monotonic() < deadline
            assert worker.poll() is None
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)
    finally:
        worker.kill()
        worker.wait(timeout=10)

    row = await listing_row(world, listing_id)
    assert row["published_qty"] is None
    assert row["pending_seq"] > row["synced_seq"]  # still pending: not lost
    receiver.delay_seconds = 0.0
    await change(world, sku, store, -1)  # sold meanwhile: 5 is stale now
    report = await run_sync(world, channel)
    assert report.calls == 0  # the dead worker's lease still holds: nobody pushes twice

    await asyncio.sleep(3.2)  # the lease runs out
    await run_sync(world, channel)
    assert receiver.quantities == {(sku.code, None): 4}
    pushed = [s.quantity for s in receiver.history]
    assert pushed[-1] == 4
    assert 5 not in pushed[pushed.index(4) :], pushed
    assert (await listing_row(world, listing_id))["published_qty"] == 4
