"""Uncollected pickups are cancelled after the channel's hold days and go back on sale."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from sqlalchemy import text

from oms.config import Settings
from oms.db.models import Location, Sku
from oms.fulfilment.jobs import cancel_uncollected_pickups, sweep_uncollected_pickups
from oms.outbox.messages import CancelUncollectedPickups
from oms.worker.scheduler import periodic_jobs
from tests.support.fulfilment import (
    Client,
    advance,
    event_kinds,
    fulfilment,
    get_order,
    movements,
    place,
    rows,
)
from tests.support.orders import pickup_at
from tests.support.world import World


async def _on_the_shelf(
    client: Client, world: World, hold_days: int, ready_days_ago: float, units: int = 2
) -> tuple[Location, Sku, dict[str, Any], str]:
    store = await world.location()
    sku = await world.sku()
    await world.stock(sku, store, 5)
    channel = await world.channel(pickup_hold_days=hold_days)
    order = await place(client, world, channel, [(sku, units)], pickup_at(store))
    f = fulfilment(order, "pickup")
    associate = await world.token("associate", locations=(store,))
    await advance(client, associate, f["id"], "start-picking", "pack", "ready-for-pickup")
    async with world.sessionmaker() as session, session.begin():
        await session.execute(
            text(
                "UPDATE fulfilment SET ready_at = now() - make_interval(secs => :s) WHERE id = :id"
            ),
            {"s": ready_days_ago * 86400, "id": uuid.UUID(f["id"])},
        )
    return store, sku, order, f["id"]


async def _sweep(world: World) -> int:
    async with world.sessionmaker() as session, session.begin():
        return await cancel_uncollected_pickups(session, limit=1000, public_url=None)


async def _state(world: World, fulfilment_id: str) -> tuple[str, str | None]:
    found = await rows(
        world, "SELECT state, reason FROM fulfilment WHERE id = :id", id=uuid.UUID(fulfilment_id)
    )
    return found[0]["state"], found[0]["reason"]


async def test_an_uncollected_pickup_is_cancelled_and_restocked(
    client: Client, world: World
) -> None:
    store, sku, order, fulfilment_id = await _on_the_shelf(client, world, 3, 3.5)
    assert await world.level(sku, store) == {"on_hand": 5, "reserved": 2, "safety_stock": 0}

    assert await _sweep(world) >= 1

    assert await _state(world, fulfilment_id) == ("cancelled", "uncollected")
    assert await world.level(sku, store) == {"on_hand": 5, "reserved": 0, "safety_stock": 0}
    assert (await movements(world, fulfilment_id))[-1] == ("release", 0, -2, "uncollected")
    hold = await rows(world, "SELECT status FROM hold WHERE id = :id", id=uuid.UUID(fulfilment_id))
    assert hold[0]["status"] == "released"
    after = await get_order(client, world, order["id"])
    assert after["lines"][0]["cancelled"] == 2
    assert after["status"] == "cancelled"
    kinds = await event_kinds(client, world, order["id"])
    assert kinds[-1] == "fulfilment.cancelled"
    cancelled = await rows(
        world,
        "SELECT actor, detail FROM order_event WHERE fulfilment_id = :id"
        " AND kind = 'fulfilment.cancelled'",
        id=uuid.UUID(fulfilment_id),
    )
    assert cancelled[0]["actor"] == "system:uncollected-pickups"
    assert cancelled[0]["detail"]["released"] == [{"sku": sku.code, "quantity": 2}]
    notes = await rows(
        world,
        "SELECT kind FROM notification WHERE order_id = :id ORDER BY id",
        id=uuid.UUID(order["id"]),
    )
    assert [n["kind"] for n in notes] == ["ready_for_pickup", "order_cancelled"]

    # Nothing is processed twice.
    await _sweep(world)
    assert (await movements(world, fulfilment_id)).count(("release", 0, -2, "uncollected")) == 1
    assert (await get_order(client, world, order["id"]))["lines"][0]["cancelled"] == 2
    await world.assert_audit_clean()


async def test_a_pickup_within_its_hold_days_stays(client: Client, world: World) -> None:
    store, sku, _, fulfilment_id = await _on_the_shelf(client, world, 7, 6.9)

    await _sweep(world)

    assert await _state(world, fulfilment_id) == ("ready_for_pickup", None)
    assert await world.level(sku, store) == {"on_hand": 5, "reserved": 2, "safety_stock": 0}


async def test_an_order_being_worked_on_is_skipped_until_it_is_free(
    client: Client, world: World
) -> None:
    _, _sku, order, fulfilment_id = await _on_the_shelf(client, world, 1, 2)
    async with world.sessionmaker() as holder, holder.begin():
        await holder.execute(
            text("SELECT id FROM sales_order WHERE id = :id FOR UPDATE"),
            {"id": uuid.UUID(order["id"])},
        )
        await asyncio.wait_for(_sweep(world), timeout=10)  # SKIP LOCKED: no waiting
        assert await _state(world, fulfilment_id) == ("ready_for_pickup", None)

    await _sweep(world)
    assert await _state(world, fulfilment_id) == ("cancelled", "uncollected")
    await world.assert_audit_clean()


async def test_concurrent_sweepers_cancel_each_pickup_once(client: Client, world: World) -> None:
    due = [await _on_the_shelf(client, world, 1, 1.5, units=1) for _ in range(4)]

    await asyncio.gather(*(_sweep(world) for _ in range(3)))

    for store, sku, order, fulfilment_id in due:
        assert await _state(world, fulfilment_id) == ("cancelled", "uncollected")
        assert await world.level(sku, store) == {"on_hand": 5, "reserved": 0, "safety_stock": 0}
        released = [m for m in await movements(world, fulfilment_id) if m[0] == "release"]
        assert released == [("release", 0, -1, "uncollected")]
        assert (await get_order(client, world, order["id"]))["lines"][0]["cancelled"] == 1
    await world.assert_audit_clean()


async def test_the_periodic_job_is_scheduled_and_runs_in_batches(
    client: Client, world: World, settings: Settings
) -> None:
    assert CancelUncollectedPickups.actor_name in {
        job.actor_name for job in periodic_jobs(settings)
    }
    due = [await _on_the_shelf(client, world, 2, 2.5, units=1) for _ in range(3)]

    await sweep_uncollected_pickups(world.sessionmaker, batch_size=1, public_url=None)

    for _, _, _, fulfilment_id in due:
        assert await _state(world, fulfilment_id) == ("cancelled", "uncollected")
    await world.assert_audit_clean()
