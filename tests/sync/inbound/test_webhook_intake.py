"""``POST /webhooks/{channel}``: only signed deliveries are stored, each once, and applied
by the job into exactly one order, read back through the orders API."""

from __future__ import annotations

import logging
from datetime import timedelta

import httpx
import pytest

from integrations.webhook import signing
from oms.sync.services.inbound import WEBHOOK_MAX_BODY_BYTES
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
    synced_channel,
)
from tests.support.pages import read_all_pages
from tests.support.world import World


@pytest.fixture(autouse=True)
def _registry() -> None:
    partners()


async def _post(world: World, code: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
    return await world.client.post(f"/webhooks/{code}", content=body, headers=headers)


async def test_a_signed_order_becomes_one_order_with_the_partners_lines(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = await stocked_shop(world, monkeypatch)
    external_id = new_external_id()
    body = order_event("order.created", external_id, [(shop.tee, 2), (shop.mug, 1)])

    answer = await _post(world, shop.channel.code, body, signed(shop.secret, body))

    assert answer.status_code == 200
    assert answer.json() == {"status": "accepted"}
    [event] = await stored_events(world.sessionmaker, shop.channel.id)
    assert (event["state"], event["topic"]) == ("received", "order.created")
    assert await settle(world.sessionmaker, event["id"]) == "applied"
    [order_id] = await orders_for(world.sessionmaker, shop.channel.id, external_id)
    admin = await world.token("admin")
    order = (await world.client.get(f"/orders/{order_id}", headers=admin)).json()
    assert order["channel"] == shop.channel.code
    assert order["external_id"] == external_id
    assert [(line["sku"], line["quantity"]) for line in order["lines"]] == [
        (shop.tee.code, 2),
        (shop.mug.code, 1),
    ]
    assert order["customer"]["name"] == "Ada Lovelace"
    assert order["language"] == "en-GB"  # the sample's
    assert order["status"] != "cancelled"
    assert (await world.level(shop.tee, shop.location))["reserved"] == 2
    [event] = await stored_events(world.sessionmaker, shop.channel.id)
    assert (event["outcome"], event["external_order_id"]) == ("placed", external_id)
    events = (await world.client.get(f"/orders/{order_id}/events", headers=admin)).json()
    assert events["items"][0]["actor"] == "integration:partner-sync"


async def test_the_same_delivery_three_times_is_stored_and_applied_once(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = await stocked_shop(world, monkeypatch)
    external_id = new_external_id()
    body = order_event("order.created", external_id, [(shop.tee, 1)])
    headers = signed(shop.secret, body, message_id=signing.random_id())

    answers = [await _post(world, shop.channel.code, body, headers) for _ in range(3)]

    assert [a.json() for a in answers] == [
        {"status": "accepted"},
        {"status": "duplicate"},
        {"status": "duplicate"},
    ]
    [event] = await stored_events(world.sessionmaker, shop.channel.id)
    await settle(world.sessionmaker, event["id"])
    assert len(await orders_for(world.sessionmaker, shop.channel.id, external_id)) == 1
    assert (await world.level(shop.tee, shop.location))["reserved"] == 1


async def test_one_order_under_three_delivery_ids_is_placed_once(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = await stocked_shop(world, monkeypatch)
    external_id = new_external_id()
    body = order_event("order.created", external_id, [(shop.tee, 1)])

    for _ in range(3):
        answer = await _post(world, shop.channel.code, body, signed(shop.secret, body))
        assert answer.json() == {"status": "accepted"}

    events = await stored_events(world.sessionmaker, shop.channel.id)
    states = [await settle(world.sessionmaker, e["id"]) for e in events]
    assert sorted(states) == ["applied", "ignored", "ignored"]
    assert len(await orders_for(world.sessionmaker, shop.channel.id, external_id)) == 1
    assert (await world.level(shop.tee, shop.location))["reserved"] == 1
    # The event list shows each delivery once, newest first, page by page, and filters.
    admin = await world.token("admin")
    path = f"/channels/{shop.channel.code}/events"
    listed = await read_all_pages(world.client, path, admin, 2)
    assert [e["id"] for e in listed] == [e["id"] for e in reversed(events)]
    [placed] = [e for e in listed if e["state"] == "applied"]
    assert (placed["outcome"], placed["external_order_id"]) == ("placed", external_id)
    ignored = await read_all_pages(world.client, path, admin, 1, state="ignored")
    assert [e["outcome"] for e in ignored] == ["stale", "stale"]
    assert all(e["order_id"] == placed["order_id"] for e in ignored)


async def _refused(
    world: World, shop: Shop, body: bytes, headers: dict[str, str], status: int
) -> None:
    answer = await _post(world, shop.channel.code, body, headers)
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert await stored_events(world.sessionmaker, shop.channel.id) == []


async def test_unsigned_tampered_foreign_and_replayed_deliveries_are_refused_unstored(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = await stocked_shop(world, monkeypatch)
    other, other_secret, _ = await synced_channel(world, monkeypatch)
    external_id = new_external_id()
    body = order_event("order.created", external_id, [(shop.tee, 1)])

    await _refused(world, shop, body, {"content-type": "application/json"}, 401)
    tampered = body.replace(b'"quantity": 1', b'"quantity": 9')
    assert tampered != body
    await _refused(world, shop, tampered, signed(shop.secret, body), 401)
    await _refused(world, shop, body, signed(other_secret, body), 401)
    stale = signing.now() - timedelta(seconds=signing.TOLERANCE_SECONDS + 60)
    await _refused(world, shop, body, signed(shop.secret, body, at=stale), 401)
    # The right secret among several (a rotation) still works: the refusals were real.
    monkeypatch.setenv(shop.variable, f"{other_secret}, {shop.secret}")
    answer = await _post(world, shop.channel.code, body, signed(shop.secret, body))
    assert answer.json() == {"status": "accepted"}
    assert await stored_events(world.sessionmaker, other.id) == []


async def test_an_oversized_delivery_is_refused_before_anything_is_stored(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = await stocked_shop(world, monkeypatch)
    body = b'{"type": "order.created", "pad": "' + b"x" * WEBHOOK_MAX_BODY_BYTES + b'"}'

    await _refused(world, shop, body, signed(shop.secret, body), 413)


async def test_channels_that_take_no_webhooks_all_answer_the_same_404(
    world: World, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    disabled = await stocked_shop(world, monkeypatch, enabled=False)
    unset = await stocked_shop(world, monkeypatch, secret="")
    plain = await world.channel()
    body = order_event("order.created", new_external_id(), [(disabled.tee, 1)])

    with caplog.at_level(logging.WARNING):
        answers = [
            await _post(world, code, body, signed(disabled.secret, body))
            for code in ("no-such-channel", plain.code, disabled.channel.code, unset.channel.code)
        ]

    assert {a.status_code for a in answers} == {404}
    assert len({a.json()["detail"] for a in answers}) == 1
    assert await stored_events(world.sessionmaker, disabled.channel.id) == []
    warned = [r for r in caplog.records if r.getMessage().startswith("webhook secret not set")]
    assert [getattr(r, "channel", None) for r in warned] == [unset.channel.code]
