"""Order intake through the API: routing, reservation, duplicates, rejection, backorders."""

from __future__ import annotations

from typing import Any, TypeAlias

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import text

from tests.support.orders import order_body, pickup_at, ship_to
from tests.support.pages import read_all_pages, read_whole_list
from tests.support.readback import assert_placed_as_read_back, place_and_read_back
from tests.support.world import World

Client: TypeAlias = AsyncTestClient[Litestar]

# Manchester and Leeds are ~58 km apart: a customer in Leeds is nearer the Leeds store.
MANCHESTER = {"lat": 53.4808, "lon": -2.2426}


async def _count(world: World, sql: str, **params: Any) -> int:
    async with world.sessionmaker() as session:
        return int(await session.scalar(text(sql), params) or 0)


async def test_ship_order_is_routed_to_the_nearest_location_with_everything(
    client: Client, world: World
) -> None:
    leeds = await world.location()
    manchester = await world.location(**MANCHESTER, priority=1)
    sku = await world.sku()
    await world.stock(sku, leeds, 5)
    await world.stock(sku, manchester, 5)
    channel = await world.channel()
    admin = await world.token("admin")

    response = await client.post(
        "/orders", json=order_body(channel.code, [(sku, 2)], [ship_to()]), headers=admin
    )

    assert response.status_code == 201, response.text
    order = response.json()
    assert order["status"] == "open"
    assert order["total"] == 2 * 1999
    assert [(f["location"], f["method"], f["state"]) for f in order["fulfilments"]] == [
        (leeds.code, "ship", "pending")
    ]
    assert order["lines"][0]["allocated"] == 2
    assert await world.level(sku, leeds) == {"on_hand": 5, "reserved": 2, "safety_stock": 0}
    assert (await world.level(sku, manchester))["reserved"] == 0
    assert len(order["tracking_token"]) >= 32
    await assert_placed_as_read_back(client, admin, order)

    fetched = (await client.get(f"/orders/{order['id']}", headers=admin)).json()
    assert fetched["fulfilments"] == order["fulfilments"]
    assert fetched["lines"] == order["lines"]
    # One event a page: the timeline pages like every list.
    events = await read_all_pages(client, f"/orders/{order['id']}/events", admin, 1)
    # Both are written by the one placement statement: which row comes first is not a rule.
    assert sorted(e["kind"] for e in events) == ["fulfilment.created", "order.placed"]
    routing = await read_whole_list(client, f"/orders/{order['id']}/routing", admin)
    assert routing[0]["trigger"] == "placement"
    explained = {
        c["location"]: c for g in routing[0]["explanation"]["groups"] for c in g["candidates"]
    }
    assert explained[leeds.code]["status"] == "chosen"
    assert explained[manchester.code]["status"] == "skipped"
    await world.assert_audit_clean()


async def test_pickup_order_is_fulfilled_at_the_chosen_store(client: Client, world: World) -> None:
    near = await world.location()
    chosen = await world.location(**MANCHESTER)
    sku = await world.sku()
    await world.stock(sku, near, 9)
    await world.stock(sku, chosen, 1)
    channel = await world.channel()
    admin = await world.token("admin")

    response = await client.post(
        "/orders", json=order_body(channel.code, [(sku, 1)], [pickup_at(chosen)]), headers=admin
    )

    assert response.status_code == 201, response.text
    await assert_placed_as_read_back(client, admin, response.json())
    [fulfilment] = response.json()["fulfilments"]
    assert (fulfilment["location"], fulfilment["method"]) == (chosen.code, "pickup")
    assert (await world.level(sku, chosen))["reserved"] == 1
    await world.assert_audit_clean()


async def test_pickup_without_stock_names_nearby_stores_that_have_everything(
    client: Client, world: World
) -> None:
    chosen = await world.location()
    other = await world.location(lat=53.80, lon=-1.55)
    sku = await world.sku()
    await world.stock(sku, other, 3)
    channel = await world.channel()
    admin = await world.token("admin")

    response = await client.post(
        "/orders", json=order_body(channel.code, [(sku, 2)], [pickup_at(chosen)]), headers=admin
    )

    assert response.status_code == 409, response.text
    problem = response.json()
    assert problem["code"] == "insufficient_stock"
    assert problem["extra"]["lines"][0]["sku"] == sku.code
    alternatives = problem["extra"]["pickup_alternatives"]["0"]
    assert [a["location"] if "location" in a else a.get("code") for a in alternatives] == [
        other.code
    ]
    assert await _count(world, "SELECT count(*) FROM hold WHERE location_id = :l", l=other.id) == 0


async def test_pickup_with_transfer_to_store_waits_for_the_transfer(
    client: Client, world: World
) -> None:
    store = await world.location()
    warehouse = await world.location(
        kind="warehouse", capabilities=["ship_from"], lat=53.7, lon=-1.6
    )
    sku = await world.sku()
    await world.stock(sku, store, 1)
    await world.stock(sku, warehouse, 10)
    channel = await world.channel(transfer_to_store=True)
    admin = await world.token("admin")

    response = await client.post(
        "/orders", json=order_body(channel.code, [(sku, 3)], [pickup_at(store)]), headers=admin
    )

    assert response.status_code == 201, response.text
    await assert_placed_as_read_back(client, admin, response.json())
    by_method = {f["method"]: f for f in response.json()["fulfilments"]}
    assert by_method["pickup"]["location"] == store.code
    assert by_method["pickup"]["lines"][0]["quantity"] == 3
    assert by_method["pickup"]["awaits"] == by_method["transfer"]["id"]
    assert by_method["transfer"]["location"] == warehouse.code
    assert by_method["transfer"]["destination"] == store.code
    assert by_method["transfer"]["lines"][0]["quantity"] == 2
    assert (await world.level(sku, store))["reserved"] == 1
    assert (await world.level(sku, warehouse))["reserved"] == 2
    assert response.json()["lines"][0]["allocated"] == 3
    await world.assert_audit_clean()


async def test_a_channel_without_backorders_rejects_and_writes_nothing(
    client: Client, world: World
) -> None:
    store = await world.location()
    plenty, scarce = await world.sku(), await world.sku()
    await world.stock(plenty, store, 10)
    await world.stock(scarce, store, 1)
    channel = await world.channel()
    admin = await world.token("admin")
    body = order_body(channel.code, [(plenty, 2), (scarce, 3)])

    response = await client.post("/orders", json=body, headers=admin)

    assert response.status_code == 409, response.text
    problem = response.json()
    assert problem["code"] == "insufficient_stock"
    assert problem["extra"]["lines"] == [
        {
            "line_no": 2,
            "sku": scarce.code,
            "requested": 3,
            "allocatable": 1,
            "available_in_network": 1,
        }
    ]
    assert (await world.level(plenty, store))["reserved"] == 0
    assert (await world.level(scarce, store))["reserved"] == 0
    assert (
        await _count(
            world,
            "SELECT count(*) FROM sales_order WHERE channel_id = :c",
            c=channel.id,
        )
        == 0
    )


async def test_a_backordering_channel_accepts_and_holds_what_it_can(
    client: Client, world: World
) -> None:
    store = await world.location()
    sku = await world.sku()
    await world.stock(sku, store, 1)
    channel = await world.channel(backorders=True)
    admin = await world.token("admin")

    response = await client.post(
        "/orders", json=order_body(channel.code, [(sku, 3)]), headers=admin
    )

    assert response.status_code == 201, response.text
    order = response.json()
    assert order["status"] == "backordered"
    assert order["lines"][0] | {"allocated": 1, "backordered": 2} == order["lines"][0]
    await assert_placed_as_read_back(client, admin, order)
    assert (await world.level(sku, store))["reserved"] == 1
    await world.assert_audit_clean()


async def test_split_only_when_needed_and_within_the_limit(client: Client, world: World) -> None:
    first = await world.location()
    second = await world.location(lat=53.81, lon=-1.56)
    a, b = await world.sku(), await world.sku()
    await world.stock(a, first, 5)
    await world.stock(b, second, 5)
    admin = await world.token("admin")
    two_parts = await world.channel(max_split=2)
    one_part = await world.channel(max_split=1)

    split = await client.post(
        "/orders", json=order_body(two_parts.code, [(a, 1), (b, 1)]), headers=admin
    )
    refused = await client.post(
        "/orders", json=order_body(one_part.code, [(a, 1), (b, 1)]), headers=admin
    )

    assert split.status_code == 201, split.text
    await assert_placed_as_read_back(client, admin, split.json())
    assert sorted(f["location"] for f in split.json()["fulfilments"]) == sorted(
        [first.code, second.code]
    )
    assert refused.status_code == 409, refused.text
    await world.assert_audit_clean()


async def test_a_store_at_its_daily_capacity_is_skipped(client: Client, world: World) -> None:
    busy = await world.location(daily_capacity=1)
    spare = await world.location(lat=53.9, lon=-1.6)
    sku = await world.sku()
    await world.stock(sku, busy, 10)
    await world.stock(sku, spare, 10)
    channel = await world.channel()
    admin = await world.token("admin")

    first = await client.post("/orders", json=order_body(channel.code, [(sku, 1)]), headers=admin)
    second = await client.post("/orders", json=order_body(channel.code, [(sku, 1)]), headers=admin)

    assert (first.status_code, second.status_code) == (201, 201), (first.text, second.text)
    assert first.json()["fulfilments"][0]["location"] == busy.code
    assert second.json()["fulfilments"][0]["location"] == spare.code
    for placed in (first, second):
        await assert_placed_as_read_back(client, admin, placed.json())
    assert (
        await _count(
            world, "SELECT fulfilments FROM location_day_load WHERE location_id = :l", l=busy.id
        )
        == 1
    )


async def test_the_same_order_twice_is_one_order(client: Client, world: World) -> None:
    store = await world.location()
    sku = await world.sku()
    await world.stock(sku, store, 10)
    channel = await world.channel()
    admin = await world.token("admin")
    body = order_body(channel.code, [(sku, 2)])

    first = await client.post("/orders", json=body, headers=admin)
    again = await client.post("/orders", json=body, headers=admin)
    keyed = {**admin, "Idempotency-Key": "order-key-1"}
    other = order_body(channel.code, [(sku, 1)])
    replay_a = await client.post("/orders", json=other, headers=keyed)
    replay_b = await client.post("/orders", json=other, headers=keyed)

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert replay_a.json()["id"] == replay_b.json()["id"]
    assert replay_b.headers.get("Idempotent-Replayed") == "true"
    # A keyed resend of an order placed earlier answers 200, and so does its replay.
    resend = {**admin, "Idempotency-Key": "order-key-2"}
    first_resend = await client.post("/orders", json=body, headers=resend)
    second_resend = await client.post("/orders", json=body, headers=resend)
    assert (first_resend.status_code, second_resend.status_code) == (200, 200)
    assert second_resend.json()["id"] == first.json()["id"]
    # Each answer, new, resent or replayed, is the order as stored.
    for answer in (first, again, replay_a, replay_b, first_resend, second_resend):
        await assert_placed_as_read_back(client, admin, answer.json())
    assert (await world.level(sku, store))["reserved"] == 3
    await world.assert_audit_clean()


async def test_bad_orders_are_refused_and_change_nothing(client: Client, world: World) -> None:
    store = await world.location()
    sku = await world.sku()
    await world.stock(sku, store, 10)
    channel = await world.channel()
    admin = await world.token("admin")
    good = order_body(channel.code, [(sku, 1)])
    bad: list[tuple[dict[str, Any], int]] = [
        ({**good, "lines": [{**good["lines"][0], "currency": "EUR"}]}, 422),
        ({**good, "total": {"amount": 1, "currency": "GBP"}}, 422),
        ({**good, "lines": [{**good["lines"][0], "sku": "NOPE"}]}, 404),
        ({**good, "lines": [{**good["lines"][0], "delivery": 3}]}, 400),
        ({**good, "lines": [{**good["lines"][0], "unit_price": 1.5}]}, 400),
        ({**good, "lines": [{**good["lines"][0], "quantity": 0}]}, 400),
        ({**good, "surprise": True}, 400),
        ({**good, "customer": {"name": "No Contact"}}, 400),
        ({**good, "channel": "NO-SUCH-CHANNEL"}, 404),
        ({**good, "deliveries": [{"method": "teleport"}]}, 400),
        ({**good, "deliveries": [{"method": "pickup", "location": "NOWHERE"}]}, 404),
    ]
    for body, status in bad:
        response = await client.post("/orders", json=body, headers=admin)
        assert response.status_code == status, (body, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    assert (await world.level(sku, store))["reserved"] == 0
    assert (
        await _count(world, "SELECT count(*) FROM sales_order WHERE channel_id = :c", c=channel.id)
        == 0
    )


async def test_a_resend_with_another_body_says_so_and_is_recorded_once(
    client: Client, world: World
) -> None:
    store = await world.location()
    sku = await world.sku()
    await world.stock(sku, store, 10)
    channel = await world.channel()
    admin = await world.token("admin")
    body = order_body(channel.code, [(sku, 2)])
    first = await client.post("/orders", json=body, headers=admin)
    assert first.status_code == 201, first.text
    await assert_placed_as_read_back(client, admin, first.json())
    order_id = first.json()["id"]

    # The same order written another way: keys in another order.
    same = await client.post("/orders", json=dict(reversed(body.items())), headers=admin)
    changed = {**body, "lines": [{**body["lines"][0], "quantity": 3}]}
    differs = await client.post("/orders", json=changed, headers=admin)
    differs_again = await client.post("/orders", json=changed, headers=admin)
    keyed = {**admin, "Idempotency-Key": f"resend-{order_id}"}
    other = {**body, "customer": {**body["customer"], "name": "Someone Else"}}
    other_keyed = await client.post("/orders", json=other, headers=keyed)
    other_replayed = await client.post("/orders", json=other, headers=keyed)

    assert same.status_code == 200, same.text
    assert "OMS-Duplicate-Body-Differs" not in same.headers
    for response in (differs, differs_again, other_keyed, other_replayed):
        assert response.status_code == 200, response.text
        assert response.headers.get("OMS-Duplicate-Body-Differs") == "true"
        assert response.json()["id"] == order_id
        assert response.json()["lines"][0]["quantity"] == 2  # the first order, unchanged
    assert other_replayed.headers.get("Idempotent-Replayed") == "true"
    events = await read_whole_list(client, f"/orders/{order_id}/events", admin)
    differing = [e for e in events if e["kind"] == "order.duplicate_with_different_body"]
    assert len(differing) == 2  # one per distinct body
    assert {e["actor"] for e in differing} == {differing[0]["actor"]}
    assert differing[0]["actor"].startswith("admin:")
    # Every answer is the first order as stored; the timeline holds the two differences.
    for answer in (same, differs, differs_again, other_keyed, other_replayed):
        await assert_placed_as_read_back(
            client, admin, answer.json(), since={"order.duplicate_with_different_body": 2}
        )
    assert (await world.level(sku, store))["reserved"] == 2


async def test_a_resend_of_the_same_body_writes_nothing(client: Client, world: World) -> None:
    store = await world.location()
    sku = await world.sku()
    await world.stock(sku, store, 10)
    channel = await world.channel()
    admin = await world.token("admin")
    body = order_body(channel.code, [(sku, 1)])
    first = await place_and_read_back(client, admin, body)
    events_before = await read_whole_list(client, f"/orders/{first['id']}/events", admin)

    again = await client.post("/orders", json=body, headers=admin)

    assert again.status_code == 200, again.text
    assert "OMS-Duplicate-Body-Differs" not in again.headers
    events_after = await read_whole_list(client, f"/orders/{first['id']}/events", admin)
    assert events_after == events_before
    await assert_placed_as_read_back(client, admin, again.json())
    assert (
        await _count(
            world,
            "SELECT count(*) FROM sales_order WHERE id = :id AND intake_fingerprint IS NOT NULL",
            id=first["id"],
        )
        == 1
    )
