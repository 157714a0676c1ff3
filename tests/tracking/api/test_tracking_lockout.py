"""Look-ups by number and email: a guesser is slowed per client, a stranger can never
lock the customer out, and number plus email never yields the pickup code."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import msgspec
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import text

from oms.app import create_app
from oms.config import Settings
from tests.support.concurrency import live_server
from tests.support.customer_orders import Shop
from tests.support.tracking import (
    addressed,
    fresh_email,
    fresh_window,
    lookup,
    random_ip,
    visitor_of,
)
from tests.support.world import World

# The session's app runs with the default limits.
LOOKUPS_PER_MINUTE = 10
MISSES_PER_ORDER_PER_HOUR = 5


async def _ready_to_collect(world: World, shop: Shop, order: dict[str, Any]) -> str:
    fulfilment_id = order["fulfilments"][0]["id"]
    for step in ("start-picking", "pack", "ready-for-pickup"):
        response = await world.client.post(
            f"/fulfilments/{fulfilment_id}/{step}", headers=shop.admin
        )
        assert response.status_code == 200, response.text
    async with world.sessionmaker() as session:
        code = await session.scalar(
            text("SELECT pickup_code FROM fulfilment WHERE id = :id"),
            {"id": uuid.UUID(fulfilment_id)},
        )
    assert isinstance(code, str)
    assert code
    return code


async def test_wrong_emails_from_many_addresses_never_lock_out_the_customer(
    world: World,
) -> None:
    shop = await Shop.open(world)
    email = fresh_email()
    order = await shop.place(email=email)
    await fresh_window(3600)
    guessers = 11
    for _ in range(guessers):
        async with visitor_of(world.client) as guesser:
            statuses = [
                (await lookup(guesser, order["number"], fresh_email())).status_code
                for _ in range(MISSES_PER_ORDER_PER_HOUR + 1)
            ]
            # Each address is stopped at this order (see the next test), the order is not.
            assert statuses == [404] * MISSES_PER_ORDER_PER_HOUR + [429]
    assert guessers * MISSES_PER_ORDER_PER_HOUR >= 50

    async with visitor_of(world.client) as customer:
        found = await lookup(customer, order["number"], email)
    assert found.status_code == 200, found.text
    assert found.json()["number"] == order["number"]
    # Nor is anything counted against the order itself.
    async with world.sessionmaker() as session:
        per_order = await session.scalar(
            text("SELECT count(*) FROM rate_limit_window WHERE bucket LIKE :b"),
            {"b": f"track-number:{order['number']}%"},
        )
    assert per_order == 0


async def test_one_client_guessing_one_order_is_refused_even_the_right_email(
    world: World,
) -> None:
    shop = await Shop.open(world)
    email = fresh_email()
    order = await shop.place(email=email)
    await fresh_window(3600)
    async with visitor_of(world.client) as guesser:
        wrong = [
            await lookup(guesser, order["number"], fresh_email())
            for _ in range(MISSES_PER_ORDER_PER_HOUR + 2)
        ]
        assert [w.status_code for w in wrong] == [404] * MISSES_PER_ORDER_PER_HOUR + [429] * 2
        # Were the right pair let through, 429 would just be a 404 by another name.
        lucky = await lookup(guesser, order["number"], email)
    assert lucky.status_code == 429
    assert lucky.json()["code"] == "rate_limited"
    assert 60 < int(lucky.headers["retry-after"]) <= 3600
    assert str(order["number"]) not in lucky.text
    async with visitor_of(world.client) as customer:
        assert (await lookup(customer, order["number"], email)).status_code == 200


async def test_concurrent_guesses_cannot_outrun_the_miss_limit(
    world: World, settings: Settings
) -> None:
    shop = await Shop.open(world)
    order = await shop.place(email=fresh_email())
    await fresh_window(3600)
    # A real server, so the guesses are answered at once, all from one address.
    app = addressed(create_app(settings), random_ip())
    async with live_server(app) as base_url, httpx.AsyncClient(base_url=base_url) as guesser:
        answers = await asyncio.gather(
            *(lookup(guesser, order["number"], fresh_email()) for _ in range(9))
        )
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [404] * MISSES_PER_ORDER_PER_HOUR + [429] * 4


async def test_an_ipv6_client_is_counted_by_its_64(world: World) -> None:
    shop = await Shop.open(world)
    email = fresh_email()
    order = await shop.place(email=email)
    await fresh_window(3600)
    network = f"2001:db8:{uuid.uuid4().hex[:4]}"
    prefix = f"{network}:1"  # the /64 2001:db8:xxxx:1::/64
    for host in range(1, MISSES_PER_ORDER_PER_HOUR + 1):  # a fresh address for every guess
        async with visitor_of(world.client, f"{prefix}::{host:x}") as guesser:
            assert (await lookup(guesser, order["number"], fresh_email())).status_code == 404
    async with visitor_of(world.client, f"{prefix}::ffff") as same_network:
        assert (await lookup(same_network, order["number"], email)).status_code == 429
    async with visitor_of(world.client, f"{network}:2::1") as next_network:
        assert (await lookup(next_network, order["number"], email)).status_code == 200


async def test_number_and_email_never_show_the_pickup_code_or_the_token(world: World) -> None:
    shop = await Shop.open(world, name="Headrow store")
    email = fresh_email()
    order = await shop.place(email=email)
    code = await _ready_to_collect(world, shop, order)
    token = order["tracking_token"]

    async with visitor_of(world.client) as browser:
        by_token = await browser.get(f"/track/{token}")
        by_lookup = await lookup(browser, order["number"], email)
    assert by_token.status_code == by_lookup.status_code == 200
    assert by_token.json()["fulfilments"][0]["pickup_code"] == code
    assert by_token.json()["tracking_token"] == token

    looked_up = by_lookup.json()
    assert looked_up["fulfilments"][0]["state"] == "ready_for_pickup"
    assert looked_up["fulfilments"][0]["status"] == "Ready to collect"
    assert looked_up["fulfilments"][0]["pickup_code"] is None
    assert looked_up["tracking_token"] is None
    assert code not in by_lookup.text
    assert token not in by_lookup.text
    # Apart from those two, the same document.
    expected = by_token.json()
    expected["tracking_token"] = None
    expected["fulfilments"][0]["pickup_code"] = None
    assert looked_up == expected


@pytest.fixture
async def strict_client(
    settings: Settings, engine: object
) -> AsyncIterator[AsyncTestClient[Litestar]]:
    """An app whose per-minute limit is out of the way, to reach the hourly miss limit."""
    strict = msgspec.structs.replace(
        settings, track_lookups_per_minute=1000, track_lookup_misses_per_hour=7
    )
    async with AsyncTestClient(app=create_app(strict), base_url="http://127.0.0.1") as client:
        yield client


async def test_a_client_guessing_across_orders_meets_its_hourly_miss_limit(
    world: World, strict_client: AsyncTestClient[Litestar]
) -> None:
    shop = await Shop.open(world)
    email = fresh_email()
    order = await shop.place(email=email)
    await fresh_window(3600)
    async with visitor_of(strict_client, random_ip()) as guesser:
        # Right look-ups are no misses: they are given back.
        for _ in range(3):
            assert (await lookup(guesser, order["number"], email)).status_code == 200
        # One guess per order number (taken numbers only: walking down from a real one).
        statuses = [
            (await lookup(guesser, order["number"] - n, email)).status_code for n in range(1, 10)
        ]
        assert statuses == [404] * 7 + [429] * 2
        refused = await lookup(guesser, order["number"], email)
    assert refused.status_code == 429
    assert 60 < int(refused.headers["retry-after"]) <= 3600
    async with visitor_of(strict_client, random_ip()) as customer:
        assert (await lookup(customer, order["number"], email)).status_code == 200
