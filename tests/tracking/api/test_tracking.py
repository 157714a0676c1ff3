"""Public order tracking: the token shows the order and nothing private; every miss looks
the same; guessing meets 429 before it meets data."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import text

from oms.tracking.services.ratelimit import purge_rate_limit_windows
from tests.support.customer_orders import Shop
from tests.support.tracking import fresh_email, fresh_window, lookup, visitor_of
from tests.support.world import World

# The app under test runs with the default limits.
MISSES_PER_MINUTE = 30
LOOKUPS_PER_MINUTE = 10


@asynccontextmanager
async def visitor(world: World, ip: str | None = None) -> AsyncIterator[httpx.AsyncClient]:
    async with visitor_of(world.client, ip) as client:
        yield client


async def advance(world: World, shop: Shop, order: dict[str, Any], *steps: str) -> None:
    fulfilment_id = order["fulfilments"][0]["id"]
    for step in steps:
        body: dict[str, Any] | None = None
        if step == "ship":
            body = {"carrier": "DPD", "tracking_number": "DPD123456"}
        response = await world.client.post(
            f"/fulfilments/{fulfilment_id}/{step}", json=body, headers=shop.admin
        )
        assert response.status_code == 200, response.text


async def pickup_code(world: World, order: dict[str, Any]) -> str | None:
    async with world.sessionmaker() as session:
        code = await session.scalar(
            text("SELECT pickup_code FROM fulfilment WHERE order_id = :id"), {"id": order["id"]}
        )
    assert code is None or isinstance(code, str)
    return code


async def test_the_token_shows_the_order_and_no_contact_details(world: World) -> None:
    shop = await Shop.open(world, name="Briggate store")
    email = fresh_email()
    order = await shop.place(name="Zebedee Private", email=email, phone="07700 900456")

    async with visitor(world) as browser:
        response = await browser.get(f"/track/{order['tracking_token']}")
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "no-referrer"
    tracked = response.json()
    assert (tracked["number"], tracked["status"], tracked["status_text"]) == (
        order["number"],
        "open",
        "In progress",
    )
    assert tracked["placed_at"] == order["created_at"]
    [fulfilment] = tracked["fulfilments"]
    assert fulfilment | {"updated_at": None} == {
        "method": "pickup",
        "state": "pending",
        "status": "Being prepared",
        "location": "Briggate store",
        "items": [{"name": "Test item", "quantity": 1}],
        "carrier": None,
        "tracking_number": None,
        "carrier_tracking_url": None,
        "ship_to_city": None,
        "store": {
            "name": "Briggate store",
            "address": {
                "line1": "1 High Street",
                "city": "Leeds",
                "postcode": "LS1 1AA",
                "country": "GB",
            },
            "opening_hours": {"mon": [["09:00", "18:00"]]},
            "timezone": "Europe/London",
        },
        "pickup_code": None,
        "ready_at": None,
        "collect_by": None,
        "updated_at": None,
    }
    assert [(e["code"], e["text"]) for e in tracked["timeline"]] == [("placed", "Order placed")]
    # Nothing that identifies the customer or our internals.
    for private in (
        email,
        "Zebedee",
        "900456",
        order["id"],
        order["customer"]["id"],
        order["fulfilments"][0]["id"],
        shop.channel.code,
        "admin:",
    ):
        assert private not in response.text, private


async def test_the_pickup_code_is_shown_only_while_ready_to_collect(world: World) -> None:
    shop = await Shop.open(world, name="Kirkgate store")
    order = await shop.place(email=fresh_email())
    token = order["tracking_token"]

    async with visitor(world) as browser:

        async def tracked() -> dict[str, Any]:
            response = await browser.get(f"/track/{token}")
            assert response.status_code == 200, response.text
            body: dict[str, Any] = response.json()
            return body

        await advance(world, shop, order, "start-picking", "pack")
        packed = await tracked()
        assert packed["fulfilments"][0]["state"] == "packed"
        assert packed["fulfilments"][0]["pickup_code"] is None
        before = await pickup_code(world, order)
        assert before is None or before not in str(packed)

        await advance(world, shop, order, "ready-for-pickup")
        ready = await tracked()
        code = await pickup_code(world, order)
        assert code
        [fulfilment] = ready["fulfilments"]
        assert (fulfilment["state"], fulfilment["status"], fulfilment["pickup_code"]) == (
            "ready_for_pickup",
            "Ready to collect",
            code,
        )
        ready_at = datetime.fromisoformat(fulfilment["ready_at"])
        collect_by = datetime.fromisoformat(fulfilment["collect_by"])
        assert collect_by - ready_at == timedelta(days=shop.channel.pickup_hold_days)
        assert [e["code"] for e in ready["timeline"]] == [
            "placed",
            "preparing",
            "packed",
            "ready_for_pickup",
        ]
        assert ready["timeline"][-1]["text"] == "Ready to collect at Kirkgate store"

        handed = await world.client.post(
            f"/fulfilments/{order['fulfilments'][0]['id']}/hand-over",
            json={"code": code},
            headers=shop.admin,
        )
        assert handed.status_code == 200, handed.text
        collected = await tracked()
        # The code stays on the fulfilment; it is just no longer shown.
        assert await pickup_code(world, order) == code
        assert collected["fulfilments"][0]["state"] == "picked_up"
        assert collected["fulfilments"][0]["pickup_code"] is None
        assert code not in (await browser.get(f"/track/{token}")).text
        assert collected["timeline"][-1]["code"] == "collected"


async def test_a_parcel_shows_carrier_and_town_but_not_the_address(world: World) -> None:
    shop = await Shop.open(world, name="Leeds warehouse")
    order = await shop.place(email=fresh_email(), pickup=False)
    await advance(world, shop, order, "start-picking", "pack", "ship")

    async with visitor(world) as browser:
        response = await browser.get(f"/track/{order['tracking_token']}")
    assert response.status_code == 200, response.text
    [fulfilment] = response.json()["fulfilments"]
    assert {k: fulfilment[k] for k in ("method", "state", "status", "location")} == {
        "method": "ship",
        "state": "shipped",
        "status": "Shipped",
        "location": "Leeds warehouse",
    }
    assert (fulfilment["carrier"], fulfilment["tracking_number"]) == ("DPD", "DPD123456")
    assert (fulfilment["ship_to_city"], fulfilment["store"]) == ("Leeds", None)
    assert "Secret Lane" not in response.text
    assert "LS2 7EW" not in response.text
    assert response.json()["timeline"][-1] | {"at": None} == {
        "at": None,
        "code": "shipped",
        "text": "Shipped",
    }


async def test_wrong_and_malformed_tokens_get_the_same_empty_404(world: World) -> None:
    async with visitor(world) as browser:
        answers = [
            await browser.get(f"/track/{token}")
            for token in (
                secrets.token_urlsafe(24),  # the right shape, no such order
                "short",
                "x" * 200,
                "not$a%24token-but-long-enough-to-pass",
            )
        ]
    for answer in answers:
        assert answer.status_code == 404
        assert answer.headers["content-type"].startswith("application/problem+json")
        body = answer.json()
        body.pop("instance")
        assert body == {
            "type": "/problems/not_found",
            "title": "Not found",
            "status": 404,
            "code": "not_found",
            "detail": "order not found",
        }


async def test_guessing_tokens_gets_404s_then_429_and_never_data(world: World) -> None:
    shop = await Shop.open(world)
    order = await shop.place(email=fresh_email())
    await fresh_window(60)
    async with visitor(world) as guesser:
        statuses = [
            (await guesser.get(f"/track/{secrets.token_urlsafe(24)}")).status_code
            for _ in range(MISSES_PER_MINUTE + 3)
        ]
        assert statuses == [404] * MISSES_PER_MINUTE + [429] * 3
        # Over the limit, even a right guess gets nothing.
        lucky = await guesser.get(f"/track/{order['tracking_token']}")
    assert lucky.status_code == 429
    assert lucky.json()["code"] == "rate_limited"
    assert str(order["number"]) not in lucky.text
    assert 1 <= int(lucky.headers["retry-after"]) <= 60
    # Other visitors are not affected.
    async with visitor(world) as customer:
        assert (await customer.get(f"/track/{order['tracking_token']}")).status_code == 200


async def test_lookup_by_number_and_email(world: World) -> None:
    shop = await Shop.open(world)
    email = fresh_email()
    order = await shop.place(email=email)
    async with visitor(world) as browser:
        by_token = (await browser.get(f"/track/{order['tracking_token']}")).json()
        found = await lookup(browser, order["number"], f"  {email.upper()} ")
        assert found.status_code == 200, found.text
        # Everything the token shows but the token itself (it would lead to the pickup
        # code: see test_tracking_lockout).
        assert by_token["tracking_token"] == order["tracking_token"]
        assert found.json() == {**by_token, "tracking_token": None}
        assert order["tracking_token"] not in found.text

        wrong_email = await lookup(browser, order["number"], fresh_email())
        unknown_number = await lookup(browser, order["number"] + 10_000_000, email)
    assert wrong_email.status_code == unknown_number.status_code == 404
    assert wrong_email.json() == unknown_number.json()
    assert wrong_email.content == unknown_number.content


async def test_an_order_without_email_cannot_be_looked_up(world: World) -> None:
    shop = await Shop.open(world)
    order = await shop.place(phone="07700 900789")
    async with visitor(world) as browser:
        for email in ("a@b", "07700900789@x.y", "07700 900789"):
            assert (await lookup(browser, order["number"], email)).status_code == 404


async def test_another_customers_order_is_not_reachable_by_changing_the_number(
    world: World,
) -> None:
    shop = await Shop.open(world)
    mine, theirs = fresh_email(), fresh_email()
    my_order = await shop.place(email=mine)
    their_order = await shop.place(email=theirs, name="Someone Else")
    async with visitor(world) as browser:
        # Only numbers taken already: guessing ahead would spend later tests' budgets.
        for number in (their_order["number"], my_order["number"] - 1):
            response = await lookup(browser, number, mine)
            assert response.status_code == 404, number
            assert str(their_order["number"]) not in response.text
        own = await lookup(browser, my_order["number"], mine)
    assert own.status_code == 200
    assert own.json()["number"] == my_order["number"]


async def test_enumerating_order_numbers_gets_404s_then_429_and_never_data(
    world: World,
) -> None:
    shop = await Shop.open(world)
    email = fresh_email()
    order = await shop.place(email=email)
    await fresh_window(60)
    async with visitor(world) as guesser:
        # Walking down from a real number (all taken; ahead would spend later tests' budgets).
        answers = [
            await lookup(guesser, order["number"] - n, "guess@example.com")
            for n in range(LOOKUPS_PER_MINUTE + 5)
        ]
        assert [a.status_code for a in answers] == [404] * LOOKUPS_PER_MINUTE + [429] * 5
        assert all(str(order["number"]) not in a.text for a in answers)
        blocked = await lookup(guesser, order["number"], email)  # the right pair, too late
    assert blocked.status_code == 429
    assert blocked.json()["code"] == "rate_limited"
    assert 1 <= int(blocked.headers["retry-after"]) <= 60
    async with visitor(world) as customer:
        assert (await lookup(customer, order["number"], email)).status_code == 200


async def test_lookup_body_is_validated(world: World) -> None:
    async with visitor(world) as browser:
        for body in ({"number": 100001}, {"number": "x", "email": "a@b.c"}, {"email": "a@b.c"}):
            response = await browser.post("/track/lookup", json=body)
            assert (response.status_code, response.json()["code"]) == (400, "validation_error")


async def test_old_rate_limit_windows_are_purged(world: World) -> None:
    bucket = f"test:{uuid.uuid4().hex}"
    async with world.sessionmaker() as session, session.begin():
        await session.execute(
            text(
                "INSERT INTO rate_limit_window (bucket, window_start, hits) VALUES"
                " (:b, now() - interval '3 hours', 5), (:b, date_trunc('minute', now()), 1)"
            ),
            {"b": bucket},
        )
        assert await purge_rate_limit_windows(session) >= 1
        left = (
            await session.execute(
                text("SELECT hits FROM rate_limit_window WHERE bucket = :b"), {"b": bucket}
            )
        ).scalars()
        assert list(left) == [1]
