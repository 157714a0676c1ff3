"""The transactional outbox: rows only for committed work, each relayed once, kept while
the broker is away.

These tests use a database of their own: the app started by other tests runs a relay on the
shared database, and it would take these tests' rows.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator
from typing import Any, ClassVar

import dramatiq
import pytest
from dramatiq.brokers.stub import StubBroker
from dramatiq.errors import ConnectionClosed
from dramatiq.middleware import Middleware
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from oms.config import Settings
from oms.db.engine import make_sessionmaker
from oms.outbox.messages import MAINTENANCE_QUEUE, ExpireHolds, JobMessage
from oms.outbox.writer import enqueue_after_commit
from oms.worker.actors import JobDatabase, register_actors
from oms.worker.outbox import OutboxRelay
from tests.support.outbox import FlakyBroker, drain, isolated_database


class Ping(JobMessage, frozen=True, kw_only=True):
    """A job no actor here declares: the relay sends it to the queue its writer named."""

    actor_name: ClassVar[str] = "ping"
    queue_name: ClassVar[str] = "default"

    n: int


class SlowSends(Middleware):
    """Makes each enqueue take a moment and records how many were in flight at once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._in_flight = 0
        self.most_in_flight = 0

    def before_enqueue(self, broker: dramatiq.Broker, message: Any, delay: Any) -> None:
        with self._lock:
            self._in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self._in_flight)
        time.sleep(0.002)

    def after_enqueue(self, broker: dramatiq.Broker, message: Any, delay: Any) -> None:
        with self._lock:
            self._in_flight -= 1


@pytest.fixture(scope="module")
async def jobs_db(
    server_url: str, settings: Settings
) -> AsyncIterator[tuple[str, async_sessionmaker[AsyncSession]]]:
    async with isolated_database(server_url, settings) as (url, engine):
        yield url, make_sessionmaker(engine)


@pytest.fixture
async def sm(
    jobs_db: tuple[str, async_sessionmaker[AsyncSession]],
) -> async_sessionmaker[AsyncSession]:
    """Session factory on the isolated database, with an empty outbox."""
    _, sessionmaker = jobs_db
    async with sessionmaker() as session, session.begin():
        await session.execute(text("DELETE FROM outbox"))
    return sessionmaker


async def outbox_rows(sm: async_sessionmaker[AsyncSession]) -> list[dict[str, Any]]:
    async with sm() as session:
        rows = await session.execute(
            text("SELECT id, actor_name, payload, dispatched_at FROM outbox ORDER BY id")
        )
        return [dict(row) for row in rows.mappings()]


async def write(sm: async_sessionmaker[AsyncSession], *jobs: JobMessage) -> None:
    async with sm() as session, session.begin():
        for job in jobs:
            enqueue_after_commit(session, job)


def broker_with_actors(
    settings: Settings, url: str, broker: StubBroker | None = None
) -> StubBroker:
    broker = broker or StubBroker()
    register_actors(broker, JobDatabase(settings, url=url))
    return broker


async def test_only_a_committed_transaction_leaves_a_row(
    sm: async_sessionmaker[AsyncSession],
) -> None:
    broker = StubBroker()
    relay = OutboxRelay(sm, broker, poll_seconds=60)

    class Abort(Exception):
        pass

    async def write_then_fail() -> None:
        async with sm() as session, session.begin():
            enqueue_after_commit(session, Ping(n=1))
            assert session.info["outbox_written"] is True
            raise Abort

    with pytest.raises(Abort):
        await write_then_fail()
    assert await outbox_rows(sm) == []
    assert await relay.relay_once() == 0
    assert broker.queues == {}

    await write(sm, Ping(n=2))
    rows = await outbox_rows(sm)
    assert [(r["actor_name"], r["payload"], r["dispatched_at"]) for r in rows] == [
        ("ping", {"n": 2}, None)
    ]
    await relay.aclose()


async def test_relay_sends_committed_rows_to_their_actors_queue_and_marks_them(
    sm: async_sessionmaker[AsyncSession],
    jobs_db: tuple[str, async_sessionmaker[AsyncSession]],
    settings: Settings,
) -> None:
    broker = broker_with_actors(settings, jobs_db[0])
    relay = OutboxRelay(sm, broker, poll_seconds=60)
    await write(sm, ExpireHolds(batch_size=7), Ping(n=1), Ping(n=2))

    assert await relay.relay_once() == 3
    # A known actor goes to the queue it declares, whatever the writer guessed.
    [expire] = drain(broker, MAINTENANCE_QUEUE)
    assert (expire.actor_name, expire.kwargs, expire.args) == (
        ExpireHolds.actor_name,
        {"batch_size": 7},
        (),
    )
    pings = drain(broker, "default")
    assert [(m.actor_name, m.kwargs) for m in pings] == [("ping", {"n": 1}), ("ping", {"n": 2})]
    rows = await outbox_rows(sm)
    assert all(row["dispatched_at"] is not None for row in rows)
    assert sorted(m.options["outbox_id"] for m in [expire, *pings]) == [r["id"] for r in rows]

    assert await relay.relay_once() == 0
    assert drain(broker, MAINTENANCE_QUEUE) == []
    assert drain(broker, "default") == []
    await relay.aclose()


async def test_concurrent_relays_never_send_a_row_twice(
    sm: async_sessionmaker[AsyncSession],
) -> None:
    total = 400
    await write(sm, *(Ping(n=n) for n in range(total)))
    broker = StubBroker()
    slow = SlowSends()
    broker.add_middleware(slow)
    broker.declare_queue("default")
    relays = [OutboxRelay(sm, broker, poll_seconds=60, batch_size=25) for _ in range(4)]

    async def drive(relay: OutboxRelay) -> int:
        sent = 0
        while batch := await relay.relay_once():
            sent += batch
        return sent

    counts = await asyncio.gather(*(drive(relay) for relay in relays))
    for relay in relays:
        await relay.aclose()

    messages = drain(broker, "default")
    assert sum(counts) == total == len(messages)
    assert len({m.options["outbox_id"] for m in messages}) == total
    assert sorted(m.kwargs["n"] for m in messages) == list(range(total))
    # SKIP LOCKED lets the relays send side by side instead of waiting on each other's locks.
    assert sum(1 for count in counts if count) >= 2, counts
    assert slow.most_in_flight >= 2
    assert all(row["dispatched_at"] is not None for row in await outbox_rows(sm))


async def test_broker_failure_keeps_rows_pending_for_the_next_pass(
    sm: async_sessionmaker[AsyncSession],
) -> None:
    broker = FlakyBroker()
    broker.declare_queue("default")
    relay = OutboxRelay(sm, broker, poll_seconds=60)
    await write(sm, *(Ping(n=n) for n in range(3)))

    broker.failing = True
    with pytest.raises(ConnectionClosed):
        await relay.relay_once()
    assert [r["dispatched_at"] for r in await outbox_rows(sm)] == [None, None, None]
    assert drain(broker, "default") == []

    # The connection drops after one send: that one is recorded, the rest wait.
    broker.failing, broker.healthy_sends = False, 1
    with pytest.raises(ConnectionClosed):
        await relay.relay_once()
    first = drain(broker, "default")
    assert [m.kwargs for m in first] == [{"n": 0}]
    assert [r["dispatched_at"] is None for r in await outbox_rows(sm)] == [False, True, True]

    broker.healthy_sends = None
    assert await relay.relay_once() == 2
    assert [m.kwargs for m in drain(broker, "default")] == [{"n": 1}, {"n": 2}]
    assert all(r["dispatched_at"] is not None for r in await outbox_rows(sm))
    await relay.aclose()


async def test_running_relay_retries_until_the_broker_is_back_then_stops_promptly(
    sm: async_sessionmaker[AsyncSession],
) -> None:
    broker = FlakyBroker()
    broker.declare_queue("default")
    broker.failing = True
    relay = OutboxRelay(sm, broker, poll_seconds=0.02)
    before = set(threading.enumerate())
    task = asyncio.create_task(relay.run())
    await write(sm, Ping(n=1))
    relay.nudge()
    await wait_for(lambda: broker.attempts >= 2)
    assert (await outbox_rows(sm))[0]["dispatched_at"] is None

    broker.failing = False
    await wait_for_async(sm, lambda rows: rows[0]["dispatched_at"] is not None)
    assert [m.kwargs for m in drain(broker, "default")] == [{"n": 1}]

    started = time.monotonic()
    relay.stop()
    await asyncio.wait_for(task, timeout=5)
    assert time.monotonic() - started < 2
    assert not [t for t in set(threading.enumerate()) - before if t.name.startswith("outbox")]


async def test_nudge_relays_at_once_instead_of_at_the_next_poll(
    sm: async_sessionmaker[AsyncSession],
) -> None:
    broker = StubBroker()
    broker.declare_queue("default")
    relay = OutboxRelay(sm, broker, poll_seconds=3600)
    task = asyncio.create_task(relay.run())
    await asyncio.sleep(0.1)  # the first pass found nothing; the next poll is an hour away
    await write(sm, Ping(n=9))
    relay.nudge()
    await wait_for_async(sm, lambda rows: rows[0]["dispatched_at"] is not None)
    assert [m.kwargs for m in drain(broker, "default")] == [{"n": 9}]
    relay.stop()
    await asyncio.wait_for(task, timeout=5)


async def wait_for(condition: Any, within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def wait_for_async(
    sm: async_sessionmaker[AsyncSession], condition: Any, within: float = 10.0
) -> None:
    deadline = time.monotonic() + within
    while not condition(await outbox_rows(sm)):
        assert time.monotonic() < deadline, "outbox did not reach the expected state in time"
        await asyncio.sleep(0.02)
