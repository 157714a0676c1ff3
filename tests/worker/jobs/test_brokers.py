"""Brokers and job processes: ``OMS_BROKER_URL``, the async actor loop, the in-process
runtime, ``oms worker`` / ``oms scheduler``, and real Redis and RabbitMQ when reachable.

Real brokers: Redis at redis://127.0.0.1:6379/15 and RabbitMQ at amqp://guest:guest@127.0.0.1:5672/.
Each test run uses its own Redis namespace and its own RabbitMQ queue names, and removes
only those afterwards.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import dramatiq
import msgspec
import pytest
from dramatiq.asyncio import get_event_loop_thread
from dramatiq.brokers.rabbitmq import RabbitmqBroker
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from integrations.webhook.fake import FakeReceiver
from oms.config import Settings
from oms.db.engine import make_sessionmaker
from oms.db.models.channels import ADAPTERS
from oms.domain.access import Principal, Role
from oms.inventory.schemas import HoldIn, HoldLineIn
from oms.inventory.services.holds import create_hold
from oms.outbox.messages import (
    CHANNEL_EVENTS_QUEUE,
    MAINTENANCE_QUEUE,
    NOTIFICATIONS_QUEUE,
    SYNC_DISPATCH_QUEUE,
    DispatchSync,
    ExpireHolds,
    channel_sync_queue,
)
from oms.outbox.writer import enqueue_after_commit
from oms.worker.actors import JobDatabase, register_actors
from oms.worker.broker import (
    BrokerNotConfigured,
    SharedAsyncIO,
    enqueue_blocking,
    ensure_async_support,
    jobs_in_process,
    make_broker,
)
from oms.worker.outbox import OutboxRelay
from oms.worker.processes import run_scheduler_process, run_worker, scheduler_main
from oms.worker.runtime import JobRuntime
from tests.support.outbox import drain, isolated_database
from tests.support.sync import listing, new_secret, synced_channel
from tests.support.world import World

REDIS_URL = "redis://127.0.0.1:6379/15"
RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672/"
ADMIN = Principal(token_id=0, name="t", role=Role.ADMIN)


def new_threads(before: set[threading.Thread]) -> list[str]:
    """Threads started since ``before`` and still alive, except asyncio's shared executor."""
    return [
        t.name
        for t in threading.enumerate()
        if t not in before and t.is_alive() and not t.name.startswith("asyncio_")
    ]


# --- OMS_BROKER_URL --------------------------------------------------------------------


@pytest.mark.parametrize("value", [None, "", "   "])
def test_no_broker_url_means_in_memory_broker_and_jobs_in_process(value: str | None) -> None:
    env = {} if value is None else {"OMS_BROKER_URL": value}
    settings = Settings.from_env(env)
    broker = make_broker(settings)
    assert type(broker) is StubBroker
    assert jobs_in_process(settings)
    assert any(isinstance(m, SharedAsyncIO) for m in broker.middleware)


def test_redis_and_amqp_urls_pick_their_broker() -> None:
    redis_settings = Settings.from_env({"OMS_BROKER_URL": REDIS_URL})
    redis = make_broker(redis_settings)
    assert isinstance(redis, RedisBroker)
    assert not jobs_in_process(redis_settings)
    assert any(isinstance(m, SharedAsyncIO) for m in redis.middleware)

    rabbit = make_broker(Settings.from_env({"OMS_BROKER_URL": RABBITMQ_URL}))
    assert isinstance(rabbit, RabbitmqBroker)
    assert rabbit.confirm_delivery is True  # an outbox row is marked sent only once confirmed
    redis.client.close()


def test_unknown_scheme_is_refused_without_echoing_the_secret() -> None:
    settings = Settings(broker_url="http://user:s3cret@queue.example:80/")
    with pytest.raises(ValueError, match="redis://") as raised:
        make_broker(settings)
    assert "s3cret" not in str(raised.value)


def test_worker_and_scheduler_refuse_to_start_without_a_broker(settings: Settings) -> None:
    with pytest.raises(BrokerNotConfigured, match="oms serve"):
        run_worker(settings)
    with pytest.raises(BrokerNotConfigured, match="oms serve"):
        run_scheduler_process(settings)


# --- async actors ---------------------------------------------------------------------


def probe_broker(results: list[tuple[str, int]], label: str) -> tuple[StubBroker, Any]:
    broker = StubBroker()
    ensure_async_support(broker)

    async def probe(n: int) -> None:
        await asyncio.sleep(0.01)  # a real await: this runs on dramatiq's event loop
        results.append((label, n))

    actor = dramatiq.actor(actor_name="probe", broker=broker, queue_name="probe")(probe)
    return broker, actor


def test_two_workers_in_one_process_share_the_actor_event_loop() -> None:
    loop_before = get_event_loop_thread()
    results: list[tuple[str, int]] = []
    first, first_probe = probe_broker(results, "first")
    second, second_probe = probe_broker(results, "second")
    first_worker = dramatiq.Worker(first, worker_threads=1, worker_timeout=100)
    second_worker = dramatiq.Worker(second, worker_threads=1, worker_timeout=100)
    first_worker.start()
    second_worker.start()
    try:
        first_probe.send(1)
        second_probe.send(1)
        first.join("probe", timeout=10_000)
        second.join("probe", timeout=10_000)
        second_worker.stop()
        # The stock middleware would have stopped the loop here, stranding the first worker.
        first_probe.send(2)
        first.join("probe", timeout=10_000)
    finally:
        first_worker.stop()
        second_worker.stop()
    assert sorted(results) == [("first", 1), ("first", 2), ("second", 1)]
    assert get_event_loop_thread() is loop_before


# --- the in-process runtime -----------------------------------------------------------


async def expired_hold(sm: async_sessionmaker[AsyncSession], world: World) -> uuid.UUID:
    store = await world.location()
    sku = await world.sku()
    await world.stock(sku, store, 5)
    async with sm() as session, session.begin():
        created = await create_hold(
            session,
            ADMIN,
            HoldIn(location=store.code, lines=[HoldLineIn(sku=sku.code, quantity=2)]),
        )
        await session.execute(
            text("UPDATE hold SET expires_at = now() - interval '1 minute' WHERE id = :id"),
            {"id": created.id},
        )
    return created.id


async def wait_until_expired(sm: async_sessionmaker[AsyncSession], hold_id: uuid.UUID) -> None:
    deadline = time.monotonic() + 30
    while True:
        async with sm() as session:
            status = await session.scalar(
                text("SELECT status FROM hold WHERE id = :id"), {"id": hold_id}
            )
        if status == "expired":
            return
        assert time.monotonic() < deadline, f"hold still {status}"
        await asyncio.sleep(0.05)


@pytest.fixture(scope="module")
async def jobs_db(
    server_url: str, settings: Settings
) -> AsyncIterator[tuple[Settings, AsyncEngine, async_sessionmaker[AsyncSession], World]]:
    async with isolated_database(server_url, settings) as (url, engine):
        sm = make_sessionmaker(engine)
        own = msgspec.structs.replace(settings, database_url=url, outbox_poll_seconds=0.05)
        yield own, engine, sm, World(sm, None)  # type: ignore[arg-type]


async def test_embedded_runtime_runs_relayed_jobs_and_stops_without_leaking_threads(
    jobs_db: tuple[Settings, AsyncEngine, async_sessionmaker[AsyncSession], World],
) -> None:
    settings, engine, sm, world = jobs_db
    before = set(threading.enumerate())
    runtime = JobRuntime(settings, engine, sm)
    assert runtime.in_process
    await runtime.start()
    try:
        hold_id = await expired_hold(sm, world)  # after the start-up sweep
        async with sm() as session, session.begin():
            enqueue_after_commit(session, ExpireHolds(batch_size=10))
        runtime.relay.nudge()
        await wait_until_expired(sm, hold_id)
    finally:
        started = time.monotonic()
        await runtime.stop()
        stopped_in = time.monotonic() - started
    assert stopped_in < 5, stopped_in
    await asyncio.sleep(0.1)  # dramatiq's joins return once threads are done; let them exit
    assert new_threads(before) == []
    await world.assert_audit_clean()


async def test_runtime_with_a_broker_url_only_relays(
    jobs_db: tuple[Settings, AsyncEngine, async_sessionmaker[AsyncSession], World],
) -> None:
    settings, engine, sm, _ = jobs_db
    before = set(threading.enumerate())
    runtime = JobRuntime(msgspec.structs.replace(settings, broker_url=REDIS_URL), engine, sm)
    assert not runtime.in_process
    await runtime.start()
    await asyncio.sleep(0.1)
    assert [name for name in new_threads(before) if not name.startswith("outbox")] == []
    await runtime.stop()
    assert new_threads(before) == []


# --- oms worker / oms scheduler -------------------------------------------------------


def test_run_worker_runs_jobs_until_sigterm_then_restores_signals(
    settings: Settings,
    engine: AsyncEngine,  # the database the job uses is migrated
) -> None:
    broker = StubBroker()
    previous = signal.getsignal(signal.SIGTERM)
    outcome: dict[str, Any] = {}

    def drive() -> None:
        deadline = time.monotonic() + 10
        while (
            ExpireHolds.actor_name not in broker.actors
            or signal.getsignal(signal.SIGTERM) is previous
        ):
            if time.monotonic() > deadline:
                outcome["error"] = "worker did not start"
                os.kill(os.getpid(), signal.SIGTERM)
                return
            time.sleep(0.02)
        try:
            broker.actors[ExpireHolds.actor_name].send(batch_size=50)
            broker.join(MAINTENANCE_QUEUE, timeout=20_000)
            outcome["joined"] = True
        except Exception as exc:
            outcome["error"] = repr(exc)
        finally:
            outcome["signalled_at"] = time.monotonic()
            os.kill(os.getpid(), signal.SIGTERM)

    driver = threading.Thread(target=drive)
    driver.start()
    run_worker(settings, threads=2, broker=broker)
    returned_at = time.monotonic()
    driver.join()
    assert outcome.get("joined"), outcome
    assert returned_at - outcome["signalled_at"] < 5
    assert broker.dead_letters == []
    assert signal.getsignal(signal.SIGTERM) is previous


async def test_scheduler_process_relays_the_outbox_and_schedules_until_stopped(
    jobs_db: tuple[Settings, AsyncEngine, async_sessionmaker[AsyncSession], World],
) -> None:
    settings, _, sm, _ = jobs_db
    broker = StubBroker()
    stop = asyncio.Event()
    before = set(threading.enumerate())
    task = asyncio.create_task(scheduler_main(settings, stop=stop, broker=broker))
    async with sm() as session, session.begin():
        enqueue_after_commit(session, ExpireHolds(batch_size=3))
    deadline = time.monotonic() + 10
    while True:
        async with sm() as session:
            pending = await session.scalar(
                text("SELECT count(*) FROM outbox WHERE dispatched_at IS NULL")
            )
        if pending == 0:
            break
        assert time.monotonic() < deadline, "outbox row was not relayed"
        await asyncio.sleep(0.05)
    started = time.monotonic()
    stop.set()
    await asyncio.wait_for(task, timeout=10)
    assert time.monotonic() - started < 3

    kwargs = [
        m.kwargs for m in drain(broker, MAINTENANCE_QUEUE) if m.actor_name == ExpireHolds.actor_name
    ]
    assert {"batch_size": 3} in kwargs  # relayed from the outbox
    assert {} in kwargs  # the periodic sweep, sent at start
    await asyncio.sleep(0.1)
    assert new_threads(before) == []


# --- real brokers ---------------------------------------------------------------------


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _redis_unavailable() -> str | None:
    if not _port_open("127.0.0.1", 6379):
        return "no Redis listening on 127.0.0.1:6379"
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    except redis.RedisError as exc:
        return f"Redis on 127.0.0.1:6379 did not answer PING: {exc}"
    finally:
        client.close()
    return None


def _rabbitmq_unavailable() -> str | None:
    if not _port_open("127.0.0.1", 5672):
        return "no RabbitMQ listening on 127.0.0.1:5672"
    import pika  # type: ignore[import-untyped]  # pika ships no type hints

    try:
        pika.BlockingConnection(pika.URLParameters(RABBITMQ_URL + "?socket_timeout=2")).close()
    except pika.exceptions.AMQPError as exc:
        return f"RabbitMQ on 127.0.0.1:5672 refused guest login: {exc!r}"
    return None


# Every queue the actors declare.
ALL_QUEUES = (
    MAINTENANCE_QUEUE,
    NOTIFICATIONS_QUEUE,
    SYNC_DISPATCH_QUEUE,
    CHANNEL_EVENTS_QUEUE,
    *(channel_sync_queue(adapter) for adapter in ADAPTERS),
)


class RealBroker(msgspec.Struct):
    url: str
    prefix: str
    options: dict[str, Any]

    def cleanup(self) -> None:
        """Remove only what this test created."""
        if self.url.startswith("redis"):
            import redis

            client = redis.Redis.from_url(self.url)
            try:
                for key in client.scan_iter(match=f"{self.options['namespace']}*"):
                    client.delete(key)
            finally:
                client.close()
        else:
            import pika

            connection = pika.BlockingConnection(pika.URLParameters(self.url))
            try:
                channel = connection.channel()
                for queue in ALL_QUEUES:
                    for suffix in ("", ".DQ", ".XQ"):
                        channel.queue_delete(self.prefix + queue + suffix)
            finally:
                connection.close()


@pytest.fixture(params=["redis", "rabbitmq"])
def real_broker(request: pytest.FixtureRequest) -> Iterator[RealBroker]:
    unavailable = _redis_unavailable() if request.param == "redis" else _rabbitmq_unavailable()
    if unavailable:
        pytest.skip(f"{request.param} tests skipped: {unavailable}")
    tag = f"oms-test-{uuid.uuid4().hex[:10]}"
    if request.param == "redis":
        broker = RealBroker(REDIS_URL, f"{tag}-", {"namespace": tag})
    else:
        broker = RealBroker(RABBITMQ_URL, f"{tag}-", {})
    yield broker
    broker.cleanup()


async def test_relay_worker_actor_round_trip_on_a_real_broker(
    real_broker: RealBroker,
    jobs_db: tuple[Settings, AsyncEngine, async_sessionmaker[AsyncSession], World],
) -> None:
    settings, _, sm, world = jobs_db
    settings = msgspec.structs.replace(settings, broker_url=real_broker.url)
    assert settings.database_url is not None
    # Two brokers, as in production: the API relays, a worker process consumes.
    producer = make_broker(settings, **real_broker.options)
    register_actors(producer, JobDatabase(settings), queue_prefix=real_broker.prefix)
    consumer = make_broker(settings, **real_broker.options)
    register_actors(
        consumer, JobDatabase(settings, url=settings.database_url), queue_prefix=real_broker.prefix
    )
    assert consumer.get_declared_queues() == {real_broker.prefix + q for q in ALL_QUEUES}
    hold_id = await expired_hold(sm, world)
    worker = dramatiq.Worker(consumer, worker_threads=2, worker_timeout=100)
    worker.start()
    relay = OutboxRelay(sm, producer, poll_seconds=60)
    try:
        async with sm() as session, session.begin():
            enqueue_after_commit(session, ExpireHolds(batch_size=10))
        assert await relay.relay_once() == 1
        await wait_until_expired(sm, hold_id)
    finally:
        await relay.aclose()
        await asyncio.to_thread(worker.stop, 10_000)
        consumer.close()
        producer.close()
    async with sm() as session:
        pending = await session.scalar(
            text("SELECT count(*) FROM outbox WHERE dispatched_at IS NULL")
        )
    assert pending == 0
    await world.assert_audit_clean()


async def test_channel_sync_runs_through_a_real_broker(
    real_broker: RealBroker,
    jobs_db: tuple[Settings, AsyncEngine, async_sessionmaker[AsyncSession], World],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The dispatcher tick goes through the broker, starts the partner's pass on its own
    queue, and the pass publishes to the partner (a real receiver on 127.0.0.1)."""
    settings, _, _, world = jobs_db
    settings = msgspec.structs.replace(settings, broker_url=real_broker.url)
    secret = new_secret()
    monkeypatch.setenv("SYNC_BROKER_TEST_SECRET", secret)
    store, sku = await world.location(), await world.sku()
    await world.stock(sku, store, 12)
    with FakeReceiver(secret) as receiver:
        channel = await synced_channel(
            world,
            adapter="webhook",
            partner_url=receiver.url,
            credentials_env="SYNC_BROKER_TEST_SECRET",
            buffer=2,
        )
        await listing(world, channel, sku)
        consumer = make_broker(settings, **real_broker.options)
        register_actors(
            consumer,
            JobDatabase(settings, url=settings.database_url),
            queue_prefix=real_broker.prefix,
        )
        worker = dramatiq.Worker(consumer, worker_threads=2, worker_timeout=100)
        worker.start()
        try:
            tick: dramatiq.Message[Any] = dramatiq.Message(
                queue_name=real_broker.prefix + SYNC_DISPATCH_QUEUE,
                actor_name=DispatchSync.actor_name,
                args=(),
                kwargs={},
                options={},
            )
            await asyncio.to_thread(enqueue_blocking, consumer, tick)
            deadline = time.monotonic() + 30
            while receiver.quantities != {(sku.code, None): 10}:
                assert time.monotonic() < deadline, receiver.calls
                await asyncio.sleep(0.1)
        finally:
            await asyncio.to_thread(worker.stop, 10_000)
            consumer.close()
