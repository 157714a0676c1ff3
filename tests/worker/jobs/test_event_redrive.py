"""The embedded job runtime repairs a partner order whose job was lost: a webhook event
left ``received`` with no job (its in-memory queue died with the process) is applied by
the repair sweep the scheduler runs, through the real scheduler, broker and actor."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator

import msgspec
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from oms.config import Settings
from oms.db.engine import make_sessionmaker
from oms.sync.services.apply import store_event
from oms.worker.runtime import JobRuntime
from tests.support.inbound import new_external_id, order_event
from tests.support.outbox import isolated_database
from tests.support.sync import synced_channel
from tests.support.world import World

_AGE = text("UPDATE channel_event SET received_at = now() - interval '1 hour' WHERE id = :id")
_STATE = text("SELECT state FROM channel_event WHERE id = :id")
_ORDERS = text("SELECT count(*) FROM sales_order WHERE external_id = :external_id")


@pytest.fixture
async def database(
    server_url: str, settings: Settings
) -> AsyncIterator[tuple[Settings, async_sessionmaker[AsyncSession], World]]:
    async with isolated_database(server_url, settings) as (url, engine):
        sm = make_sessionmaker(engine)
        # The sweep runs once as the scheduler starts, and takes events waiting 1 s.
        own = msgspec.structs.replace(
            settings,
            database_url=url,
            outbox_poll_seconds=0.05,
            channel_sweep_seconds=3600.0,
            channel_event_redrive_seconds=1.0,
        )
        yield own, sm, World(sm, None)  # type: ignore[arg-type]


async def test_the_embedded_scheduler_applies_an_event_whose_job_was_lost(
    database: tuple[Settings, async_sessionmaker[AsyncSession], World],
) -> None:
    settings, sm, world = database
    location = await world.location()
    sku = await world.sku()
    await world.stock(sku, location, 5)
    channel = await synced_channel(world, locations=[location])
    external_id = new_external_id()
    async with sm() as session, session.begin():
        event_id = await store_event(
            session,
            channel.id,
            delivery_id=f"msg_{uuid.uuid4().hex}",
            topic="order.created",
            body=order_event("order.created", external_id, [(sku, 2)]),
            headers={},
        )
        await session.execute(_AGE, {"id": event_id})

    runtime = JobRuntime(settings, sm.kw["bind"], sm)
    await runtime.start()
    try:
        deadline = time.monotonic() + 20
        while True:
            async with sm() as session:
                state = await session.scalar(_STATE, {"id": event_id})
            if state != "received" or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.1)
    finally:
        await runtime.stop()

    assert state == "applied"
    async with sm() as session:
        assert await session.scalar(_ORDERS, {"external_id": external_id}) == 1
    assert (await world.level(sku, location))["reserved"] == 2
    await world.assert_audit_clean()
