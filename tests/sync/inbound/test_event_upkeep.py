"""Partner events after they came in: one whose job was lost is applied by the repair
sweep, exactly once however it races the job; settled ones are deleted after the keep
period, failed and waiting ones never.

Events are stored the way ``POST /webhooks/{channel}`` stores them, but without their
job: that is what a lost job leaves behind. Their arrival is then moved back in time.
Other tests' events share the database, so each test checks its own events and orders
rather than what one call of the upkeep counted (the test app's own sweep is told to leave
waiting events alone).
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import msgspec
import pytest
from sqlalchemy import text

from oms.config import Settings
from oms.sync.services.apply import apply_channel_event, store_event
from oms.sync.services.event_upkeep import apply_waiting_events, purge_settled_events
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

# Far older than any event another test leaves waiting during a run, so the upkeep's
# threshold below never takes theirs.
LONG_AGO_HOURS = 48
THRESHOLD_SECONDS = 24 * 3600.0

_AGE = text(
    "UPDATE channel_event SET received_at = now() - make_interval(hours => :hours) WHERE id = :id"
)
_STATE = text("SELECT state FROM channel_event WHERE id = :id")
_EXISTS = text("SELECT id FROM channel_event WHERE id = ANY(:ids)")


@pytest.fixture(autouse=True)
def _registry() -> None:
    partners()


async def _stored_without_job(
    world: World, shop: Shop, body: bytes, *, hours_ago: float, delivery_id: str | None = None
) -> int:
    async with world.sessionmaker() as session, session.begin():
        event_id = await store_event(
            session,
            shop.channel.id,
            delivery_id=delivery_id or f"msg_{uuid.uuid4().hex}",
            topic=msgspec.json.decode(body)["type"] if body.startswith(b"{") else "order.created",
            body=body,
            headers={},
        )
        assert event_id is not None
        await session.execute(_AGE, {"id": event_id, "hours": hours_ago})
    return event_id


async def _state(world: World, event_id: int) -> str | None:
    async with world.sessionmaker() as session:
        found = await session.scalar(_STATE, {"id": event_id})
    return None if found is None else str(found)


async def _status(world: World, shop: Shop) -> dict[str, Any]:
    admin = await world.token("admin")
    answer = await world.client.get(f"/channels/{shop.channel.code}/sync/status", headers=admin)
    assert answer.status_code == 200, answer.text
    status: dict[str, Any] = answer.json()
    return status


async def _redrive(world: World) -> dict[str, int]:
    return await apply_waiting_events(
        world.sessionmaker, partners=partners(), older_than_seconds=THRESHOLD_SECONDS
    )


async def test_an_order_whose_job_was_lost_arrives_with_the_sweep(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = await stocked_shop(world, monkeypatch)
    external_id = new_external_id()
    body = order_event("order.created", external_id, [(shop.tee, 2)])
    event_id = await _stored_without_job(world, shop, body, hours_ago=LONG_AGO_HOURS)

    before = await _status(world, shop)
    assert (before["events_waiting"], before["events_failed"]) == (1, 0)
    assert before["oldest_waiting_event_seconds"] >= LONG_AGO_HOURS * 3600 - 60

    # No job will ever run for it: only the upkeep can apply it.
    await _redrive(world)

    assert await _state(world, event_id) == "applied"
    [order_id] = await orders_for(world.sessionmaker, shop.channel.id, external_id)
    admin = await world.token("admin")
    order = (await world.client.get(f"/orders/{order_id}", headers=admin)).json()
    assert [(line["sku"], line["quantity"]) for line in order["lines"]] == [(shop.tee.code, 2)]
    assert (await world.level(shop.tee, shop.location))["reserved"] == 2
    after = await _status(world, shop)
    assert (after["events_waiting"], after["oldest_waiting_event_seconds"]) == (0, None)
    await world.assert_audit_clean()


async def test_an_event_within_its_jobs_time_is_left_to_the_job(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = await stocked_shop(world, monkeypatch)
    external_id = new_external_id()
    body = order_event("order.created", external_id, [(shop.tee, 1)])
    event_id = await _stored_without_job(world, shop, body, hours_ago=1)

    await _redrive(world)

    assert await _state(world, event_id) == "received"
    assert await orders_for(world.sessionmaker, shop.channel.id, external_id) == []
    assert (await _status(world, shop))["events_waiting"] == 1
    # Its job, when it runs, applies it as ever.
    assert await settle(world.sessionmaker, event_id) == "applied"


async def test_the_sweep_racing_late_jobs_applies_the_event_once(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = await stocked_shop(world, monkeypatch, units=3)
    external_ids = [new_external_id() for _ in range(5)]
    events = [
        await _stored_without_job(
            world,
            shop,
            order_event("order.created", external_id, [(shop.tee, 1)]),
            hours_ago=LONG_AGO_HOURS,
        )
        for external_id in external_ids
    ]

    # The sweep twice and every event's job three times, all at once.
    jobs = [
        apply_channel_event(world.sessionmaker, event_id, partners=partners())
        for event_id in events
        for _ in range(3)
    ]
    await asyncio.gather(_redrive(world), _redrive(world), *jobs)

    for event_id in events:
        assert await _state(world, event_id) in ("applied", "failed")
    placed = [await orders_for(world.sessionmaker, shop.channel.id, e) for e in external_ids]
    assert all(len(orders) <= 1 for orders in placed)
    level = await world.level(shop.tee, shop.location)
    # Three units for five one-unit orders: three reserved, never more.
    assert level["reserved"] == 3
    assert sum(len(orders) for orders in placed) >= 3
    await world.assert_audit_clean()


async def test_an_event_that_cannot_be_read_ends_failed_counted_and_is_not_retried(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = await stocked_shop(world, monkeypatch)
    event_id = await _stored_without_job(
        world, shop, b'{"type": "order.created", "data": {}}', hours_ago=LONG_AGO_HOURS
    )

    await _redrive(world)

    [event] = await stored_events(world.sessionmaker, shop.channel.id)
    assert event["id"] == event_id
    assert (event["state"], event["outcome"]) == ("failed", "payload_error")
    status = await _status(world, shop)
    assert (status["events_waiting"], status["events_failed"]) == (0, 1)
    await _redrive(world)
    assert await _state(world, event_id) == "failed"
    metrics = await world.client.get("/metrics", headers=await world.token("admin"))
    labels = f'adapter="webhook",channel="{shop.channel.code}"'
    assert f"oms_channel_events_failed{{{labels}}} 1.0" in metrics.text
    assert f"oms_channel_events_waiting{{{labels}}} 0.0" in metrics.text


async def test_settled_events_are_deleted_after_the_keep_period_failed_and_waiting_stay(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = await stocked_shop(world, monkeypatch)
    old, young = 40 * 24, 2 * 24  # hours
    placed_id = new_external_id()
    placed_body = order_event("order.created", placed_id, [(shop.tee, 1)])
    placed = await _stored_without_job(
        world, shop, placed_body, hours_ago=old, delivery_id="msg_placed_" + placed_id
    )
    stale = await _stored_without_job(world, shop, placed_body, hours_ago=old)
    failed = await _stored_without_job(
        world, shop, b'{"type": "order.created", "data": {}}', hours_ago=old
    )
    recent = await _stored_without_job(
        world,
        shop,
        order_event("order.created", new_external_id(), [(shop.mug, 1)]),
        hours_ago=young,
    )
    for event_id in (placed, stale, failed, recent):
        await settle(world.sessionmaker, event_id)
    assert [await _state(world, e) for e in (placed, stale, failed, recent)] == [
        "applied",
        "ignored",
        "failed",
        "applied",
    ]
    waiting = await _stored_without_job(
        world,
        shop,
        order_event("order.created", new_external_id(), [(shop.mug, 1)]),
        hours_ago=old,
        delivery_id=f"msg_waiting_{uuid.uuid4().hex}",
    )

    purged = await purge_settled_events(world.sessionmaker, keep_days=30, batch=1)

    assert purged >= 2
    async with world.sessionmaker() as session:
        kept = set(
            await session.scalars(_EXISTS, {"ids": [placed, stale, failed, recent, waiting]})
        )
    assert kept == {failed, recent, waiting}
    # The order stays, and the same delivery again (its id forgotten) is stored anew but
    # changes nothing: the order's version guard sees it is not news.
    assert len(await orders_for(world.sessionmaker, shop.channel.id, placed_id)) == 1
    again: httpx.Response = await world.client.post(
        f"/webhooks/{shop.channel.code}",
        content=placed_body,
        headers=signed(shop.secret, placed_body, message_id="msg_placed_" + placed_id),
    )
    assert again.json() == {"status": "accepted"}
    [redelivered] = [
        e
        for e in await stored_events(world.sessionmaker, shop.channel.id)
        if e["delivery_id"] == "msg_placed_" + placed_id
    ]
    assert await settle(world.sessionmaker, redelivered["id"]) == "ignored"
    assert len(await orders_for(world.sessionmaker, shop.channel.id, placed_id)) == 1
    assert (await world.level(shop.tee, shop.location))["reserved"] == 1


def test_events_are_kept_at_least_as_long_as_partners_retry_them() -> None:
    assert Settings.from_env({"OMS_CHANNEL_EVENT_KEEP_DAYS": "3"}).channel_event_keep_days == 3
    with pytest.raises(ValueError, match="channel_event_keep_days"):
        Settings.from_env({"OMS_CHANNEL_EVENT_KEEP_DAYS": "1"})


async def test_an_admin_dismisses_a_failed_event_with_a_reason(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = await stocked_shop(world, monkeypatch)
    failed = await _stored_without_job(
        world, shop, b'{"type": "order.created", "data": {}}', hours_ago=1
    )
    await settle(world.sessionmaker, failed)
    applied = await _stored_without_job(
        world,
        shop,
        order_event("order.created", new_external_id(), [(shop.tee, 1)]),
        hours_ago=1,
    )
    await settle(world.sessionmaker, applied)
    admin = await world.token("admin")
    path = f"/channels/{shop.channel.code}/events"
    assert (await _status(world, shop))["events_failed"] == 1

    for body in ({}, {"reason": "x"}, {"reason": "   "}, {"reason": "ok", "extra": 1}):
        refused = await world.client.post(f"{path}/{failed}/dismiss", json=body, headers=admin)
        assert refused.status_code == 400, (body, refused.text)
    for role, scope in (
        ("store_manager", {"locations": (shop.location,)}),
        ("integration", {"channel": shop.channel.code}),
    ):
        headers = await world.token(role, **scope)
        forbidden = await world.client.post(
            f"{path}/{failed}/dismiss", json={"reason": "entered by hand"}, headers=headers
        )
        assert forbidden.status_code == 403, role
    assert await _state(world, failed) == "failed"

    dismissed = await world.client.post(
        f"{path}/{failed}/dismiss", json={"reason": "entered by hand as order 1042"}, headers=admin
    )

    assert dismissed.status_code == 200, dismissed.text
    out = dismissed.json()
    assert (out["state"], out["outcome"]) == ("ignored", "dismissed")
    assert out["note"].startswith("dismissed by admin:")
    assert out["note"].endswith(": entered by hand as order 1042")
    [listed] = [
        e
        for e in (await world.client.get(path, headers=admin)).json()["items"]
        if e["id"] == failed
    ]
    assert listed == out
    assert (await _status(world, shop))["events_failed"] == 0
    # Only a failed event: not again, not an applied one, and a dismissed one is not retried.
    for event_id, action in ((failed, "dismiss"), (applied, "dismiss"), (failed, "retry")):
        payload = {"reason": "again please"} if action == "dismiss" else None
        again = await world.client.post(f"{path}/{event_id}/{action}", json=payload, headers=admin)
        assert again.status_code == 409, (event_id, action, again.text)
    missing = await world.client.post(
        f"{path}/999999999/dismiss", json={"reason": "no such"}, headers=admin
    )
    assert missing.status_code == 404
