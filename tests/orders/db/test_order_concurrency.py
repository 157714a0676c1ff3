"""Orders under real contention: hundreds of placements racing for a few hot SKUs.

Whatever the interleaving: no level is ever oversold (a watcher checks while the race
runs), every order ends fully routed, backordered or rejected with a clear error (no
deadlock, no lock timeout, no other database error), every unit of every accepted order is
accounted for, and the ledger audit is clean afterwards.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from typing import Any

import httpx
import msgspec
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from oms.app import create_app
from oms.config import Settings
from oms.domain.access import Principal, Role
from oms.domain.errors import InsufficientStock
from oms.http.params import MAX_PAGE_SIZE
from oms.orders.schemas import OrderIn, OrderOut
from oms.orders.services.placement import place_order
from oms.orders.services.queries import get_order_out, order_events, routing_decisions
from tests.support.concurrency import (
    connection_share,
    dedicated_engine,
    live_server,
    pinned_connections,
    pool_settings,
    run_on_connections,
    run_together,
)
from tests.support.orders import order_body, pickup_at, ship_to
from tests.support.readback import (
    assert_consistent,
    assert_events_match,
    assert_placed_as_read_back,
    assert_routing_matches,
    assert_same_order,
)
from tests.support.world import World

ADMIN = Principal(token_id=0, name="test", role=Role.ADMIN)
ORDERS = 500
MIN_CONNECTIONS = 20

_OVERSOLD = text(
    """
    SELECT count(*) FROM inventory_level
     WHERE location_id = ANY(:ids) AND (reserved < 0 OR reserved > on_hand - safety_stock)
    """
)
# Per line: ordered = cancelled + backordered + units in live customer fulfilments.
_UNACCOUNTED = text(
    """
    SELECT ol.order_id, ol.line_no FROM order_line ol
      JOIN sales_order o ON o.id = ol.order_id
      LEFT JOIN fulfilment f ON f.order_id = ol.order_id AND f.method <> 'transfer'
           AND f.state NOT IN ('rejected', 'cancelled')
      LEFT JOIN fulfilment_line fl ON fl.fulfilment_id = f.id AND fl.line_no = ol.line_no
     WHERE o.channel_id = ANY(:channels)
     GROUP BY ol.order_id, ol.line_no, ol.quantity, ol.quantity_cancelled,
              ol.quantity_backordered
    HAVING ol.quantity <> ol.quantity_cancelled + ol.quantity_backordered
                         + coalesce(sum(fl.quantity - fl.quantity_short), 0)
    """
)


async def test_500_concurrent_orders_on_hot_skus_never_oversell(
    engine: AsyncEngine, database_url: str, settings: Settings, world: World
) -> None:
    rng = random.Random(4)
    stores = [await world.location(lat=53.80 + i * 0.05, lon=-1.55 - i * 0.05) for i in range(3)]
    warehouse = await world.location(
        kind="warehouse", capabilities=["ship_from"], lat=53.7, lon=-1.7, daily_capacity=10_000
    )
    locations = [*stores, warehouse]
    hot = [await world.sku() for _ in range(3)]
    for sku in hot:
        for location in locations:
            await world.stock(sku, location, rng.randint(15, 40), safety_stock=rng.randint(0, 3))
    backordering = await world.channel(backorders=True, transfer_to_store=True)
    strict = await world.channel(max_split=3)

    def body(n: int) -> dict[str, Any]:
        skus = rng.sample(hot, rng.randint(1, 3))
        delivery = (
            pickup_at(rng.choice(stores))
            if rng.random() < 0.4
            else ship_to(53.6 + rng.random() * 0.4, -1.8 + rng.random() * 0.4)
        )
        channel = backordering if n % 2 else strict
        return order_body(
            channel.code, [(s, rng.randint(1, 3)) for s in skus], [delivery], external_id=f"C-{n}"
        )

    bodies = [msgspec.convert(body(n), OrderIn) for n in range(ORDERS)]
    ids = [loc.id for loc in locations]
    share = await connection_share(engine, 60, MIN_CONNECTIONS)
    if share < MIN_CONNECTIONS:
        pytest.skip(f"only {share} spare connections on this server")

    async def attempt(sm: async_sessionmaker[AsyncSession], n: int) -> OrderOut:
        async with sm() as session, session.begin():
            order, created = await place_order(session, ADMIN, bodies[n])
        assert created
        return order

    stop = asyncio.Event()
    oversold_seen: list[int] = []

    async def watch() -> None:
        async with engine.connect() as conn:
            while not stop.is_set():
                found = await conn.scalar(_OVERSOLD, {"ids": ids})
                await conn.commit()
                if found:
                    oversold_seen.append(int(found))
                await asyncio.sleep(0.005)

    async with (
        dedicated_engine(database_url, settings, share) as racing,
        pinned_connections(racing, share) as pinned,
    ):
        watcher = asyncio.create_task(watch())
        try:
            results = await run_on_connections(pinned, ORDERS, attempt)
        finally:
            stop.set()
            await watcher

    unexpected = [
        r for r in results if isinstance(r, BaseException) and not isinstance(r, InsufficientStock)
    ]
    assert not unexpected, f"{len(unexpected)} orders failed otherwise: {unexpected[:3]!r}"
    accepted = [r for r in results if isinstance(r, OrderOut)]
    outcomes = Counter(r.status if isinstance(r, OrderOut) else "rejected" for r in results)
    assert outcomes["open"] > 0, outcomes
    assert outcomes["rejected"] > 0, outcomes  # the stock really ran out
    assert outcomes["backordered"] > 0, outcomes
    assert sum(outcomes.values()) == ORDERS
    assert not oversold_seen
    async with engine.connect() as conn:
        assert await conn.scalar(_OVERSOLD, {"ids": ids}) == 0
        unaccounted = (
            await conn.execute(_UNACCOUNTED, {"channels": [backordering.id, strict.id]})
        ).all()
        assert not unaccounted
        placed = await conn.scalar(
            text("SELECT count(*) FROM sales_order WHERE channel_id = ANY(:c)"),
            {"c": [backordering.id, strict.id]},
        )
    assert placed == outcomes["open"] + outcomes["backordered"]
    await _assert_read_back(engine, accepted)
    await world.assert_audit_clean()


async def _assert_read_back(engine: AsyncEngine, placed: list[OrderOut]) -> None:
    """Every accepted order, its timeline and its routing decision read back as placement
    answered them, whichever attempt of a re-plan wrote them."""
    async with engine.connect() as conn:
        for answered in placed:
            read = msgspec.to_builtins(await get_order_out(conn, answered.id))
            events_page = await order_events(conn, ADMIN, answered.id, MAX_PAGE_SIZE, None)
            decisions_page = await routing_decisions(conn, ADMIN, answered.id, MAX_PAGE_SIZE, None)
            assert events_page.next_cursor is decisions_page.next_cursor is None  # all read
            events = msgspec.to_builtins(events_page.items)
            decisions = msgspec.to_builtins(decisions_page.items)
            assert_same_order(msgspec.to_builtins(answered), read)
            assert_consistent(read)
            assert_events_match(read, events)
            assert_routing_matches(read, decisions)


async def test_the_same_marketplace_order_sent_20_times_at_once_is_one_order(
    settings: Settings, engine: AsyncEngine, world: World
) -> None:
    store = await world.location()
    sku = await world.sku()
    await world.stock(sku, store, 100)
    channel = await world.channel(kind="marketplace")
    token = await world.token("integration", channel=channel.code)
    body = order_body(channel.code, [(sku, 2)], external_id="AMZ-114-000001")
    app = create_app(pool_settings(settings, 25))

    async with live_server(app) as base_url, httpx.AsyncClient(base_url=base_url) as http:

        async def send() -> httpx.Response:
            return await http.post("/orders", json=body, headers=token, timeout=60)

        responses = await run_together([send for _ in range(20)])

    statuses = Counter(r.status_code for r in responses if isinstance(r, httpx.Response))
    assert statuses == {201: 1, 200: 19}, [
        r for r in responses if not isinstance(r, httpx.Response)
    ]
    # The one new order reads back as placed, and every resend answered it as stored.
    [created] = [r for r in responses if isinstance(r, httpx.Response) and r.status_code == 201]
    await assert_placed_as_read_back(world.client, token, created.json())
    for response in responses:
        assert isinstance(response, httpx.Response)
        assert_same_order(created.json(), response.json())

    ids = {r.json()["id"] for r in responses if isinstance(r, httpx.Response)}
    assert len(ids) == 1
    assert (await world.level(sku, store))["reserved"] == 2
    async with engine.connect() as conn:
        assert (
            await conn.scalar(
                text("SELECT count(*) FROM sales_order WHERE channel_id = :c"), {"c": channel.id}
            )
            == 1
        )
    await world.assert_audit_clean()
