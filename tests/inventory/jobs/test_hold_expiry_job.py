"""The hold expiry job end to end (message -> dramatiq worker -> async actor -> database),
and the scheduler that sends it."""

from __future__ import annotations

import asyncio
import threading
import uuid
from typing import Any

import dramatiq
import msgspec
import pytest
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import AsyncIO
from sqlalchemy import text

from oms.config import Settings
from oms.domain.access import Principal, Role
from oms.inventory.schemas import HoldIn, HoldLineIn
from oms.inventory.services.holds import create_hold
from oms.outbox.messages import MAINTENANCE_QUEUE, ExpireHolds, PurgeIdempotencyKeys
from oms.worker import scheduler
from oms.worker.actors import JobDatabase, register_actors
from oms.worker.scheduler import run_scheduler
from tests.support.outbox import FlakyBroker, drain
from tests.support.world import World

ADMIN = Principal(token_id=0, name="t", role=Role.ADMIN)


async def hold(
    world: World, location: Any, lines: dict[str, int], expires: int | None
) -> uuid.UUID:
    async with world.sessionmaker() as session, session.begin():
        created = await create_hold(
            session,
            ADMIN,
            HoldIn(
                location=location.code,
                lines=[HoldLineIn(sku=code, quantity=q) for code, q in lines.items()],
                expires_in_seconds=expires,
            ),
        )
    return created.id


async def hold_status(world: World, hold_id: uuid.UUID) -> str:
    async with world.sessionmaker() as session:
        status = await session.scalar(
            text("SELECT status FROM hold WHERE id = :id"), {"id": hold_id}
        )
    assert status is not None
    return str(status)


async def movements(world: World, hold_id: uuid.UUID) -> list[dict[str, Any]]:
    async with world.sessionmaker() as session:
        rows = await session.execute(
            text(
                "SELECT kind, delta_on_hand, delta_reserved, reason, actor FROM stock_movement"
                " WHERE ref_type = 'hold' AND ref_id = :ref ORDER BY id"
            ),
            {"ref": str(hold_id)},
        )
        return [dict(row) for row in rows.mappings()]


async def test_expire_holds_job_releases_only_expired_holds(
    world: World, settings: Settings, database_url: str
) -> None:
    store = await world.location()
    a, b = await world.sku(), await world.sku()
    await world.stock(a, store, 10)
    await world.stock(b, store, 10)
    expiring = await hold(world, store, {a.code: 3, b.code: 2}, expires=1)
    later = await hold(world, store, {a.code: 1}, expires=3600)
    forever = await hold(world, store, {b.code: 4}, expires=None)
    assert (await world.level(a, store))["reserved"] == 4
    assert (await world.level(b, store))["reserved"] == 6

    broker = StubBroker()
    actors = register_actors(broker, JobDatabase(settings, url=database_url))
    assert any(isinstance(m, AsyncIO) for m in broker.middleware)
    worker = dramatiq.Worker(broker, worker_threads=2, worker_timeout=100)
    worker.start()
    try:
        await asyncio.sleep(1.5)  # past the one-second expiry
        actors[ExpireHolds.actor_name].send()
        await asyncio.to_thread(broker.join, MAINTENANCE_QUEUE, timeout=30_000)
        await asyncio.to_thread(worker.join)

        assert await hold_status(world, expiring) == "expired"
        assert await hold_status(world, later) == "active"
        assert await hold_status(world, forever) == "active"
        assert await world.level(a, store) == {"on_hand": 10, "reserved": 1, "safety_stock": 0}
        assert await world.level(b, store) == {"on_hand": 10, "reserved": 4, "safety_stock": 0}
        releases = [m for m in await movements(world, expiring) if m["kind"] == "release"]
        assert sorted((m["delta_on_hand"], m["delta_reserved"]) for m in releases) == [
            (0, -3),
            (0, -2),
        ]
        assert {(m["reason"], m["actor"]) for m in releases} == {("expired", "system:hold-expiry")}
        assert [m["kind"] for m in await movements(world, later)] == ["reserve"]

        # Delivered twice (at least once): the second run finds nothing left to release.
        actors[ExpireHolds.actor_name].send(batch_size=1)
        await asyncio.to_thread(broker.join, MAINTENANCE_QUEUE, timeout=30_000)
        assert len([m for m in await movements(world, expiring) if m["kind"] == "release"]) == 2
        assert (await world.level(a, store))["reserved"] == 1
        assert broker.dead_letters == []
    finally:
        await asyncio.to_thread(worker.stop)
    await world.assert_audit_clean()


async def test_scheduler_enqueues_each_periodic_job_on_its_period(
    settings: Settings, database_url: str
) -> None:
    fast = msgspec.structs.replace(settings, hold_sweep_seconds=0.1, idempotency_ttl_hours=12)
    broker = StubBroker()
    register_actors(broker, JobDatabase(fast, url=database_url))
    before = set(threading.enumerate())
    task = asyncio.create_task(run_scheduler(fast, broker))
    await asyncio.sleep(0.55)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    messages = drain(broker, MAINTENANCE_QUEUE)
    sweeps = [m for m in messages if m.actor_name == ExpireHolds.actor_name]
    purges = [m for m in messages if m.actor_name == PurgeIdempotencyKeys.actor_name]
    assert 3 <= len(sweeps) <= 8, len(sweeps)
    assert [m.kwargs for m in purges] == [{"older_than_hours": 12}]  # hourly: once so far
    assert not [t for t in set(threading.enumerate()) - before if t.name.startswith("scheduler")]


async def test_scheduler_retries_soon_when_the_broker_was_away(
    settings: Settings, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scheduler, "RETRY_SECONDS", 0.1)
    broker = FlakyBroker()
    register_actors(broker, JobDatabase(settings, url=database_url))
    broker.failing = True
    task = asyncio.create_task(run_scheduler(settings, broker))
    await asyncio.sleep(0.3)
    assert drain(broker, MAINTENANCE_QUEUE) == []
    broker.failing = False
    await asyncio.sleep(0.4)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    # Every job's period is an hour or more here; only the retry brings them back this soon.
    names = sorted(m.actor_name for m in drain(broker, MAINTENANCE_QUEUE))
    expected = sorted(
        job.actor_name
        for job in scheduler.periodic_jobs(settings)
        if job.message.queue_name == MAINTENANCE_QUEUE
    )
    assert ExpireHolds.actor_name in expected
    assert PurgeIdempotencyKeys.actor_name in expected
    assert names == expected
