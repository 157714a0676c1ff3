"""Changing and seeing orders: cancel and edit release exactly what they should, and each
token sees only the orders it may."""

from __future__ import annotations

from typing import TypeAlias

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.support.orders import order_body, pickup_at
from tests.support.pages import read_whole_list
from tests.support.readback import assert_placed_as_read_back, place_and_read_back
from tests.support.world import World

Client: TypeAlias = AsyncTestClient[Litestar]


async def test_cancel_releases_exactly_the_held_stock(client: Client, world: World) -> None:
    store = await world.location()
    sku = await world.sku()
    await world.stock(sku, store, 10)
    channel = await world.channel()
    admin = await world.token("admin")
    order = await place_and_read_back(client, admin, order_body(channel.code, [(sku, 4)]))

    partly = await client.post(
        f"/orders/{order['id']}/cancel",
        json={"lines": [{"line_no": 1, "quantity": 1}]},
        headers=admin,
    )
    assert partly.status_code == 200, partly.text
    assert partly.json()["lines"][0]["cancelled"] == 1
    assert (await world.level(sku, store))["reserved"] == 3

    whole = await client.post(f"/orders/{order['id']}/cancel", json={}, headers=admin)
    assert whole.status_code == 200, whole.text
    assert whole.json()["status"] == "cancelled"
    assert whole.json()["fulfilments"][0]["state"] == "cancelled"
    assert (await world.level(sku, store))["reserved"] == 0

    again = await client.post(f"/orders/{order['id']}/cancel", json={}, headers=admin)
    assert again.status_code == 409
    await world.assert_audit_clean()


async def test_edit_quantities_before_picking(client: Client, world: World) -> None:
    store = await world.location()
    sku = await world.sku()
    await world.stock(sku, store, 10)
    channel = await world.channel()
    admin = await world.token("admin")
    order = await place_and_read_back(client, admin, order_body(channel.code, [(sku, 2)]))

    up = await client.post(
        f"/orders/{order['id']}/edit",
        json={"lines": [{"line_no": 1, "quantity": 5}]},
        headers=admin,
    )
    assert up.status_code == 200, up.text
    assert up.json()["lines"][0]["allocated"] == 5
    assert up.json()["total"] == 5 * 1999
    assert (await world.level(sku, store))["reserved"] == 5

    down = await client.post(
        f"/orders/{order['id']}/edit",
        json={"lines": [{"line_no": 1, "quantity": 1}]},
        headers=admin,
    )
    assert down.status_code == 200, down.text
    assert (await world.level(sku, store))["reserved"] == 1
    assert down.json()["total"] == 1999
    await world.assert_audit_clean()


async def test_integration_tokens_only_touch_their_own_channel(
    client: Client, world: World
) -> None:
    store = await world.location()
    sku = await world.sku()
    await world.stock(sku, store, 10)
    mine, theirs = await world.channel(), await world.channel()
    token = await world.token("integration", channel=mine.code)
    admin = await world.token("admin")

    refused = await client.post("/orders", json=order_body(theirs.code, [(sku, 1)]), headers=token)
    placed = await client.post("/orders", json=order_body(mine.code, [(sku, 1)]), headers=token)
    other = await place_and_read_back(client, admin, order_body(theirs.code, [(sku, 1)]))

    assert refused.status_code == 403
    assert placed.status_code == 201, placed.text
    await assert_placed_as_read_back(client, token, placed.json())
    assert (await client.get(f"/orders/{placed.json()['id']}", headers=token)).status_code == 200
    assert (await client.get(f"/orders/{other['id']}", headers=token)).status_code == 404
    listed = (await client.get("/orders", headers=token)).json()["items"]
    assert {o["channel"] for o in listed} == {mine.code}


async def test_associates_see_only_orders_their_store_works_on(
    client: Client, world: World
) -> None:
    here, there = await world.location(), await world.location(lat=53.5, lon=-2.2)
    sku = await world.sku()
    await world.stock(sku, there, 10)
    channel = await world.channel()
    admin = await world.token("admin")
    associate = await world.token("associate", locations=(here,))
    order = await place_and_read_back(
        client, admin, order_body(channel.code, [(sku, 1)], [pickup_at(there)])
    )

    assert (await client.get(f"/orders/{order['id']}", headers=associate)).status_code == 404
    cancel = await client.post(f"/orders/{order['id']}/cancel", json={}, headers=associate)
    assert cancel.status_code == 404


async def test_cancelling_one_whole_line_keeps_the_rest_of_the_fulfilment(
    client: Client, world: World
) -> None:
    store = await world.location()
    a, b = await world.sku(), await world.sku()
    await world.stock(a, store, 5)
    await world.stock(b, store, 5)
    channel = await world.channel()
    admin = await world.token("admin")
    order = await place_and_read_back(client, admin, order_body(channel.code, [(a, 2), (b, 1)]))

    response = await client.post(
        f"/orders/{order['id']}/cancel",
        json={"lines": [{"line_no": 1, "quantity": 2}]},
        headers=admin,
    )

    assert response.status_code == 200, response.text
    [fulfilment] = response.json()["fulfilments"]
    assert fulfilment["state"] == "pending"
    assert [line["line_no"] for line in fulfilment["lines"]] == [2]
    assert (await world.level(a, store))["reserved"] == 0
    assert (await world.level(b, store))["reserved"] == 1
    await world.assert_audit_clean()


async def test_an_order_hold_cannot_be_released_through_the_holds_api(
    client: Client, world: World
) -> None:
    store = await world.location()
    sku = await world.sku()
    await world.stock(sku, store, 5)
    channel = await world.channel()
    admin = await world.token("admin")
    order = await place_and_read_back(client, admin, order_body(channel.code, [(sku, 1)]))
    hold_id = order["fulfilments"][0]["id"]  # an order's hold shares its fulfilment's id

    response = await client.post(f"/holds/{hold_id}/release", headers=admin)

    assert response.status_code == 409, response.text
    assert (await world.level(sku, store))["reserved"] == 1


async def test_raising_a_line_beyond_stock_is_refused_on_a_channel_without_backorders(
    client: Client, world: World
) -> None:
    store = await world.location()
    sku = await world.sku()
    await world.stock(sku, store, 3)
    channel = await world.channel(backorders=False)
    admin = await world.token("admin")
    order = await place_and_read_back(client, admin, order_body(channel.code, [(sku, 2)]))
    events_before = await read_whole_list(client, f"/orders/{order['id']}/events", admin)

    response = await client.post(
        f"/orders/{order['id']}/edit",
        json={"lines": [{"line_no": 1, "quantity": 5}]},
        headers=admin,
    )

    assert response.status_code == 409, response.text
    problem = response.json()
    assert problem["code"] == "insufficient_stock"
    assert problem["extra"]["lines"] == [
        {
            "line_no": 1,
            "sku": sku.code,
            "requested": 5,
            "allocatable": 3,
            "available_in_network": 1,
        }
    ]
    # Nothing changed: the order, its timeline and the stock read back as before.
    after = (await client.get(f"/orders/{order['id']}", headers=admin)).json()
    assert after["lines"] == order["lines"]
    assert after["total"] == order["total"]
    assert after["status"] == "open"
    events_after = await read_whole_list(client, f"/orders/{order['id']}/events", admin)
    assert events_after == events_before
    assert (await world.level(sku, store))["reserved"] == 2
    await world.assert_audit_clean()


async def test_raising_a_line_beyond_stock_backorders_on_a_backordering_channel(
    client: Client, world: World
) -> None:
    store = await world.location()
    sku = await world.sku()
    await world.stock(sku, store, 3)
    channel = await world.channel(backorders=True)
    admin = await world.token("admin")
    order = await place_and_read_back(client, admin, order_body(channel.code, [(sku, 2)]))

    response = await client.post(
        f"/orders/{order['id']}/edit",
        json={"lines": [{"line_no": 1, "quantity": 5}]},
        headers=admin,
    )

    assert response.status_code == 200, response.text
    line = (await client.get(f"/orders/{order['id']}", headers=admin)).json()["lines"][0]
    assert (line["quantity"], line["allocated"], line["backordered"], line["cancelled"]) == (
        5,
        3,
        2,
        0,
    )
    assert (await world.level(sku, store))["reserved"] == 3
    await world.assert_audit_clean()
