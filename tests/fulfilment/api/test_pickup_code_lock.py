"""Wrong pickup codes at the counter: each is counted and recorded, a few lock the code
until a store manager unlocks it, and none of them touches stock."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
from sqlalchemy import text

from oms.app import create_app
from oms.config import Settings
from oms.db.models import Location, Sku
from tests.support.concurrency import live_server
from tests.support.fulfilment import (
    Client,
    advance,
    fulfilment,
    movements,
    place,
    rows,
    step,
)
from tests.support.orders import pickup_at
from tests.support.pages import read_whole_list
from tests.support.world import World

ATTEMPTS = 5  # the default OMS_PICKUP_CODE_ATTEMPTS


async def _ready_pickup(
    client: Client, world: World
) -> tuple[Location, Sku, dict[str, Any], dict[str, Any], dict[str, str]]:
    """A pickup of 2 units on the shelf; (store, sku, order, fulfilment, associate)."""
    store = await world.location()
    sku = await world.sku()
    await world.stock(sku, store, 5)
    order = await place(client, world, await world.channel(), [(sku, 2)], pickup_at(store))
    f = fulfilment(order, "pickup")
    associate = await world.token("associate", locations=(store,))
    await advance(client, associate, f["id"], "start-picking", "pack", "ready-for-pickup")
    return store, sku, order, f, associate


async def _code(world: World, fulfilment_id: str) -> str:
    found = await rows(
        world, "SELECT pickup_code FROM fulfilment WHERE id = :id", id=uuid.UUID(fulfilment_id)
    )
    return str(found[0]["pickup_code"])


def _wrong(code: str, n: int) -> str:
    """A code that is not ``code`` (the n-th of several)."""
    letters = "ACDEFGHJKMNPQRTUVWXY"
    candidate = letters[n % len(letters)] * 6
    return candidate if candidate != code else letters[(n + 1) % len(letters)] * 6


async def _tries(world: World, fulfilment_id: str) -> dict[str, Any]:
    found = await rows(
        world,
        "SELECT state, pickup_code_failures AS failures,"
        " pickup_code_locked_at IS NOT NULL AS locked FROM fulfilment WHERE id = :id",
        id=uuid.UUID(fulfilment_id),
    )
    return found[0]


async def _events(client: Client, world: World, order_id: str) -> list[dict[str, Any]]:
    admin = await world.token("admin")
    return await read_whole_list(client, f"/orders/{order_id}/events", admin)


async def test_wrong_codes_lock_the_code_until_a_store_manager_unlocks_it(
    client: Client, world: World
) -> None:
    store, sku, order, f, associate = await _ready_pickup(client, world)
    code = await _code(world, f["id"])
    tried = [_wrong(code, n) for n in range(ATTEMPTS)]

    answers = [await step(client, associate, f["id"], "hand-over", {"code": c}) for c in tried]

    assert [a.status_code for a in answers] == [422] * (ATTEMPTS - 1) + [423]
    assert [a.json()["code"] for a in answers] == ["pickup_code_mismatch"] * (ATTEMPTS - 1) + [
        "pickup_code_locked"
    ]
    assert [a.json()["extra"]["attempts_left"] for a in answers[:-1]] == [4, 3, 2, 1]
    # Locked: the right code is refused too, and nothing more is counted.
    right = await step(client, associate, f["id"], "hand-over", {"code": code})
    assert (right.status_code, right.json()["code"]) == (423, "pickup_code_locked")
    assert await _tries(world, f["id"]) == {
        "state": "ready_for_pickup",
        "failures": ATTEMPTS,
        "locked": True,
    }
    # Refused tries change no stock.
    assert await world.level(sku, store) == {"on_hand": 5, "reserved": 2, "safety_stock": 0}
    assert await movements(world, f["id"]) == [("reserve", 0, 2, None)]

    events = await _events(client, world, order["id"])
    wrong = [e for e in events if e["kind"] == "fulfilment.pickup_code_wrong"]
    assert [e["detail"]["failures"] for e in wrong] == [1, 2, 3, 4, 5]
    assert [e["detail"]["attempts_left"] for e in wrong] == [4, 3, 2, 1, 0]
    assert all(e["actor"].startswith("associate:") for e in wrong)
    assert all(e["fulfilment_id"] == f["id"] for e in wrong)
    [locked] = [e for e in events if e["kind"] == "fulfilment.pickup_code_locked"]
    assert locked["detail"] == {"location": store.code, "failures": ATTEMPTS}
    # The codes tried are not recorded, nor the right one.
    for secret in (code, *tried):
        assert secret not in str(events)

    # An associate may not unlock; another store's manager does not see the fulfilment.
    reason = {"reason": "customer here, ID checked"}
    refused = await step(client, associate, f["id"], "unlock-pickup-code", reason)
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
    elsewhere = await world.token("store_manager", locations=(await world.location(),))
    assert (await step(client, elsewhere, f["id"], "unlock-pickup-code", reason)).status_code == 404
    manager = await world.token("store_manager", locations=(store,))
    assert (await step(client, manager, f["id"], "unlock-pickup-code", {})).status_code == 400
    assert (await _tries(world, f["id"]))["locked"] is True

    unlocked = await step(client, manager, f["id"], "unlock-pickup-code", reason)

    assert unlocked.status_code == 200, unlocked.text
    assert unlocked.json() == {
        "fulfilment_id": f["id"],
        "locked": False,
        "failures": 0,
        "attempts_left": ATTEMPTS,
    }
    assert await _tries(world, f["id"]) == {
        "state": "ready_for_pickup",
        "failures": 0,
        "locked": False,
    }
    last = (await _events(client, world, order["id"]))[-1]
    assert last["kind"] == "fulfilment.pickup_code_unlocked"
    assert last["actor"].startswith("store_manager:")
    assert last["detail"] == {
        "location": store.code,
        "reason": reason["reason"],
        "failures": ATTEMPTS,
    }

    handed = await step(client, associate, f["id"], "hand-over", {"code": code})
    assert handed.status_code == 200, handed.text
    assert handed.json()["state"] == "picked_up"
    assert await world.level(sku, store) == {"on_hand": 3, "reserved": 0, "safety_stock": 0}
    await world.assert_audit_clean()


async def test_a_managers_override_still_hands_over_a_locked_pickup(
    client: Client, world: World
) -> None:
    store, sku, _order, f, associate = await _ready_pickup(client, world)
    code = await _code(world, f["id"])
    for n in range(ATTEMPTS):
        await step(client, associate, f["id"], "hand-over", {"code": _wrong(code, n)})
    assert (await _tries(world, f["id"]))["locked"] is True
    manager = await world.token("store_manager", locations=(store,))

    handed = await step(
        client, manager, f["id"], "hand-over", {"override_reason": "ID checked at the counter"}
    )

    assert handed.status_code == 200, handed.text
    assert handed.json()["state"] == "picked_up"
    assert await world.level(sku, store) == {"on_hand": 3, "reserved": 0, "safety_stock": 0}
    # Once collected there is no code left to unlock.
    late = await step(client, manager, f["id"], "unlock-pickup-code", {"reason": "too late"})
    assert (late.status_code, late.json()["code"]) == (409, "invalid_state")
    await world.assert_audit_clean()


async def test_wrong_codes_tried_at_once_all_count(
    client: Client, world: World, settings: Settings
) -> None:
    _, _, order, f, associate = await _ready_pickup(client, world)
    code = await _code(world, f["id"])
    tries = 3

    # A real server, so the tries run at once. The order is held (as by a colleague's
    # hand-over) while they arrive: they queue up together behind its lock.
    async with (
        live_server(create_app(settings)) as base_url,
        httpx.AsyncClient(base_url=base_url, headers=associate, timeout=60) as http,
    ):
        async with world.sessionmaker() as holder, holder.begin():
            await holder.execute(
                text("SELECT id FROM sales_order WHERE id = :id FOR UPDATE"),
                {"id": uuid.UUID(order["id"])},
            )
            pending = [
                asyncio.create_task(
                    http.post(f"/fulfilments/{f['id']}/hand-over", json={"code": _wrong(code, n)})
                )
                for n in range(tries)
            ]
            await _until_waiting_for_locks(world, tries)
        answers = await asyncio.wait_for(asyncio.gather(*pending), timeout=60)

    assert sorted(a.status_code for a in answers) == [422] * tries
    assert sorted(a.json()["extra"]["attempts_left"] for a in answers) == [2, 3, 4]
    assert (await _tries(world, f["id"]))["failures"] == tries
    kinds = [e["kind"] for e in await _events(client, world, order["id"])]
    assert kinds.count("fulfilment.pickup_code_wrong") == tries


async def _until_waiting_for_locks(world: World, count: int) -> None:
    for _ in range(300):
        found = await rows(
            world,
            "SELECT count(*) AS n FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
        if found[0]["n"] >= count:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"fewer than {count} requests waited for the order's lock")


async def test_only_a_locked_code_can_be_unlocked(client: Client, world: World) -> None:
    store, _, _, f, associate = await _ready_pickup(client, world)
    code = await _code(world, f["id"])
    await step(client, associate, f["id"], "hand-over", {"code": _wrong(code, 0)})
    manager = await world.token("store_manager", locations=(store,))

    refused = await step(client, manager, f["id"], "unlock-pickup-code", {"reason": "why not"})

    assert (refused.status_code, refused.json()["code"]) == (409, "invalid_state")
    assert await _tries(world, f["id"]) == {
        "state": "ready_for_pickup",
        "failures": 1,
        "locked": False,
    }
