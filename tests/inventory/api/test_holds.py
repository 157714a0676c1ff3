"""Holds through the HTTP API: all-or-nothing, release, idempotency, problem+json."""

from __future__ import annotations

import asyncio

from tests.support.world import World


async def test_hold_reserves_all_lines_and_release_gives_them_back(world: World) -> None:
    store = await world.location()
    a, b = await world.sku(), await world.sku()
    await world.stock(a, store, 10)
    await world.stock(b, store, 5, safety_stock=1)
    headers = await world.token("associate", (store,))

    response = await world.client.post(
        "/holds",
        json={
            "location": store.code,
            "lines": [{"sku": a.code, "quantity": 3}, {"sku": b.code, "quantity": 4}],
        },
        headers=headers,
    )
    assert response.status_code == 201, response.text
    hold = response.json()
    assert hold["status"] == "active"
    assert await world.level(a, store) == {"on_hand": 10, "reserved": 3, "safety_stock": 0}
    assert await world.level(b, store) == {"on_hand": 5, "reserved": 4, "safety_stock": 1}

    released = await world.client.post(f"/holds/{hold['id']}/release", headers=headers)
    assert released.status_code == 200, released.text
    assert released.json()["status"] == "released"
    assert (await world.level(a, store))["reserved"] == 0
    again = await world.client.post(f"/holds/{hold['id']}/release", headers=headers)
    assert again.status_code == 409
    assert again.json()["code"] == "invalid_state"
    await world.assert_audit_clean()


async def test_short_line_refuses_the_whole_hold(world: World) -> None:
    store = await world.location()
    a, b = await world.sku(), await world.sku()
    await world.stock(a, store, 10)
    await world.stock(b, store, 2)
    headers = await world.token("admin")

    response = await world.client.post(
        "/holds",
        json={
            "location": store.code,
            "lines": [{"sku": a.code, "quantity": 3}, {"sku": b.code, "quantity": 3}],
        },
        headers=headers,
    )
    assert response.status_code == 409
    problem = response.json()
    assert response.headers["content-type"].startswith("application/problem+json")
    assert problem["code"] == "insufficient_stock"
    assert problem["extra"]["lines"] == [{"sku": b.code, "requested": 3, "available": 2}]
    assert (await world.level(a, store))["reserved"] == 0
    await world.assert_audit_clean()


async def test_idempotency_key_replays_and_refuses_a_different_body(world: World) -> None:
    store = await world.location()
    sku = await world.sku()
    await world.stock(sku, store, 10)
    headers = {**await world.token("admin"), "Idempotency-Key": "cart-42"}
    body = {"location": store.code, "lines": [{"sku": sku.code, "quantity": 2}]}

    responses = await asyncio.gather(
        *(world.client.post("/holds", json=body, headers=headers) for _ in range(5))
    )
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["id"] for r in responses}) == 1
    assert (await world.level(sku, store))["reserved"] == 2

    other = await world.client.post(
        "/holds", json={**body, "lines": [{"sku": sku.code, "quantity": 3}]}, headers=headers
    )
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    assert (await world.level(sku, store))["reserved"] == 2
