"""Applying partner events: whatever order they arrive in, each partner order ends in the
state of its newest version, once; what is refused or not applied is shown on the event."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import pytest

from oms.sync.services.inbound import apply_channel_event
from tests.support.inbound import (
    Shop,
    new_external_id,
    order_event,
    orders_for,
    partners,
    settle,
    signed,
    stocked_shop,
    stored_events,
)
from tests.support.world import World


@pytest.fixture(autouse=True)
def _registry() -> None:
    partners()


async def _deliver(world: World, shop: Shop, body: bytes) -> dict[str, Any]:
    """Post a signed delivery, apply it as the job does; the event as stored."""
    response = await world.client.post(
        f"/webhooks/{shop.channel.code}", content=body, headers=signed(shop.secret, body)
    )
    assert response.json() == {"status": "accepted"}, response.text
    event = (await stored_events(world.sessionmaker, shop.channel.id))[-1]
    await settle(world.sessionmaker, event["id"])
    return next(
        e
        for e in await stored_events(world.sessionmaker, shop.channel.id)
        if e["id"] == event["id"]
    )


async def _order(world: World, shop: Shop, external_id: str) -> dict[str, Any]:
    [order_id] = await orders_for(world.sessionmaker, shop.channel.id, external_id)
    admin = await world.token("admin")
    response = await world.client.get(f"/orders/{order_id}", headers=admin)
    assert response.status_code == 200
    order: dict[str, Any] = response.json()
    return order


def _lifecycle(shop: Shop, external_id: str) -> dict[str, bytes]:
    return {
        "created": order_event("order.created", external_id, [(shop.tee, 2)], version=0),
        "updated": order_event("order.updated", external_id, [(shop.tee, 1)], version=10),
        "cancelled": order_event("order.cancelled", external_id, [(shop.tee, 1)], version=20),
    }


@pytest.mark.parametrize(
    "arrival", list(itertools.permutations(["created", "updated", "cancelled"]))
)
async def test_any_arrival_order_of_create_update_cancel_ends_cancelled_and_restocked(
    world: World, monkeypatch: pytest.MonkeyPatch, arrival: tuple[str, ...]
) -> None:
    shop = await stocked_shop(world, monkeypatch)
    external_id = new_external_id()
    bodies = _lifecycle(shop, external_id)

    for step in arrival:
        await _deliver(world, shop, bodies[step])

    placed = await orders_for(world.sessionmaker, shop.channel.id, external_id)
    # An update carries the whole order: arriving first, it places it like a create would.
    if arrival[0] == "cancelled":
        assert placed == []  # cancelled before it arrived: never placed, never reserved
        events = await stored_events(world.sessionmaker, shop.channel.id)
        for later in (e for e in events if e["topic"] != "order.cancelled"):
            assert (later["state"], later["outcome"]) == ("ignored", "stale")
            assert "cancellation" in later["note"]
    else:
        assert (await _order(world, shop, external_id))["status"] == "cancelled"
    assert (await world.level(shop.tee, shop.location))["reserved"] == 0
    await world.assert_audit_clean()


async def test_a_stale_update_changes_nothing_and_says_so(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = await stocked_shop(world, monkeypatch)
    external_id = new_external_id()
    await _deliver(
        world, shop, order_event("order.created", external_id, [(shop.tee, 3)], version=5)
    )
    older = order_event("order.updated", external_id, [(shop.tee, 1)], version=1)

    event = await _deliver(world, shop, older)

    assert (event["state"], event["outcome"]) == ("ignored", "stale")
    assert "not newer" in event["note"]
    order = await _order(world, shop, external_id)
    assert [(line["quantity"], line["cancelled"]) for line in order["lines"]] == [(3, 0)]
    assert (await world.level(shop.tee, shop.location))["reserved"] == 3


async def test_a_newer_update_applies_reductions_and_notes_what_it_cannot_apply(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = await stocked_shop(world, monkeypatch)
    external_id = new_external_id()
    await _deliver(
        world, shop, order_event("order.created", external_id, [(shop.tee, 3), (shop.mug, 1)])
    )
    newer = order_event("order.updated", external_id, [(shop.tee, 1), (shop.mug, 4)], version=9)

    event = await _deliver(world, shop, newer)

    assert (event["state"], event["outcome"]) == ("applied", "updated")
    assert f"{shop.mug.code} 1 -> 4" in event["note"]
    order = await _order(world, shop, external_id)
    assert {line["sku"]: line["quantity"] - line["cancelled"] for line in order["lines"]} == {
        shop.tee.code: 1,
        shop.mug.code: 1,
    }
    assert (await world.level(shop.tee, shop.location))["reserved"] == 1
    admin = await world.token("admin")
    kinds = [
        e["kind"]
        for e in (await world.client.get(f"/orders/{order['id']}/events", headers=admin)).json()[
            "items"
        ]
    ]
    assert "order.edited" in kinds


async def test_a_payload_missing_a_needed_field_fails_visibly_and_places_nothing(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = await stocked_shop(world, monkeypatch)
    external_id = new_external_id()

    event = await _deliver(
        world, shop, order_event("order.created", external_id, [(shop.tee, 1)], drop=["customer"])
    )

    assert event["state"] == "failed"
    assert "customer" in event["error"]
    assert await orders_for(world.sessionmaker, shop.channel.id, external_id) == []
    admin = await world.token("admin")
    listed = await world.client.get(
        f"/channels/{shop.channel.code}/events", params={"state": "failed"}, headers=admin
    )
    assert listed.status_code == 200
    [shown] = listed.json()["items"]
    assert (shown["id"], shown["state"]) == (event["id"], "failed")
    assert "customer" in shown["error"]
    assert "body" not in shown
    assert "headers" not in shown


async def test_running_the_apply_job_twice_places_one_order(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = await stocked_shop(world, monkeypatch)
    external_id = new_external_id()
    event = await _deliver(world, shop, order_event("order.created", external_id, [(shop.tee, 1)]))

    again = await apply_channel_event(world.sessionmaker, event["id"], partners=partners())

    assert again is None  # settled before: not applied again
    assert len(await orders_for(world.sessionmaker, shop.channel.id, external_id)) == 1
    assert (await world.level(shop.tee, shop.location))["reserved"] == 1


async def test_an_order_without_stock_fails_and_is_placed_on_retry_once_stock_arrives(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = await stocked_shop(world, monkeypatch, units=0)
    external_id = new_external_id()
    event = await _deliver(world, shop, order_event("order.created", external_id, [(shop.tee, 2)]))
    assert event["state"] == "failed"
    assert "insufficient_stock" in event["error"]
    assert await orders_for(world.sessionmaker, shop.channel.id, external_id) == []
    admin = await world.token("admin")
    url = f"/channels/{shop.channel.code}/events/{event['id']}/retry"
    await world.stock(shop.tee, shop.location, 5)

    retried = await world.client.post(url, headers=admin)

    assert retried.status_code == 200
    assert retried.json()["state"] == "received"
    assert await settle(world.sessionmaker, event["id"]) == "applied"
    assert len(await orders_for(world.sessionmaker, shop.channel.id, external_id)) == 1
    again = await world.client.post(url, headers=admin)
    assert again.status_code == 409  # only a failed event is retried
    associate = await world.token("associate", locations=(shop.location,))
    assert (await world.client.post(url, headers=associate)).status_code == 403
    listed = await world.client.get(f"/channels/{shop.channel.code}/events", headers=associate)
    assert listed.status_code == 403


async def test_concurrent_runs_over_one_order_place_it_once(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = await stocked_shop(world, monkeypatch)
    external_id = new_external_id()
    body = order_event("order.created", external_id, [(shop.tee, 1)])
    for _ in range(3):  # three deliveries of one order, none applied yet
        response = await world.client.post(
            f"/webhooks/{shop.channel.code}", content=body, headers=signed(shop.secret, body)
        )
        assert response.json() == {"status": "accepted"}
    ids = [e["id"] for e in await stored_events(world.sessionmaker, shop.channel.id)]

    # Each event by two runs at once, all six together.
    await asyncio.gather(
        *(
            apply_channel_event(world.sessionmaker, event_id, partners=partners())
            for event_id in ids + ids
        )
    )

    states = [await settle(world.sessionmaker, event_id) for event_id in ids]
    assert sorted(states) == ["applied", "ignored", "ignored"]
    assert len(await orders_for(world.sessionmaker, shop.channel.id, external_id)) == 1
    assert (await world.level(shop.tee, shop.location))["reserved"] == 1


async def test_a_cancellation_stamped_in_the_same_second_as_the_order_still_cancels_it(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = await stocked_shop(world, monkeypatch)
    external_id = new_external_id()
    created = order_event("order.created", external_id, [(shop.tee, 1)], version=3)
    await _deliver(world, shop, created)

    event = await _deliver(
        world, shop, order_event("order.cancelled", external_id, [(shop.tee, 1)], version=3)
    )

    assert (event["state"], event["outcome"]) == ("applied", "cancelled")
    assert (await _order(world, shop, external_id))["status"] == "cancelled"
    replayed = await _deliver(world, shop, created)  # the same create again: still cancelled
    assert (replayed["state"], replayed["outcome"]) == ("ignored", "stale")
    assert (await world.level(shop.tee, shop.location))["reserved"] == 0
