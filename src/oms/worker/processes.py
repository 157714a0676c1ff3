"""``oms worker`` and ``oms scheduler``: long-running processes stopped by SIGTERM or SIGINT.

Both need ``OMS_BROKER_URL``. Without a broker the jobs run inside ``oms serve`` (embedded
mode), and a separate process would have nobody to talk to.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from collections.abc import Callable
from types import FrameType

import dramatiq
import msgspec

from oms.config import Settings
from oms.db.engine import make_engine, make_sessionmaker, resolve_database_url
from oms.worker.actors import JobDatabase, register_actors
from oms.worker.broker import make_broker, require_broker_url
from oms.worker.outbox import OutboxRelay
from oms.worker.runtime import finish_tasks
from oms.worker.scheduler import run_scheduler

log = logging.getLogger(__name__)

_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
# Running jobs get this long to finish on shutdown; keep it under the container's grace period.
SHUTDOWN_TIMEOUT_SECONDS = 30.0
# The scheduler process holds one connection at a time (the relay's).
_SCHEDULER_POOL_SIZE = 2


def run_worker(
    settings: Settings,
    threads: int = 4,
    *,
    stop: threading.Event | None = None,
    broker: dramatiq.Broker | None = None,
) -> None:
    """Consume every actor's queue with ``threads`` job threads until SIGTERM/SIGINT.

    ``stop`` replaces the signals (for callers that are not the main thread); ``broker``
    replaces the one built from ``OMS_BROKER_URL``. Without either a broker or the URL this
    raises ``BrokerNotConfigured``.
    """
    if threads < 1:
        raise ValueError("a worker needs at least one thread")
    if broker is None:
        require_broker_url(settings, "worker")
        broker = make_broker(settings)
    register_actors(broker, JobDatabase(settings))
    worker = dramatiq.Worker(broker, worker_threads=threads)
    restore = None
    if stop is None:
        stop = threading.Event()
        restore = _on_stop_signals(stop.set)
    worker.start()
    log.info(
        "worker started",
        extra={"threads": threads, "queues": ",".join(sorted(broker.get_declared_queues()))},
    )
    try:
        # A timed wait keeps the main thread responsive to signals on every platform.
        while not stop.wait(1.0):
            pass
        log.info("worker stopping")
    finally:
        worker.stop(timeout=int(SHUTDOWN_TIMEOUT_SECONDS * 1000))
        broker.close()
        if restore is not None:
            restore()
    log.info("worker stopped")


def run_scheduler_process(settings: Settings) -> None:
    """Enqueue periodic jobs and relay the outbox until SIGTERM/SIGINT.

    Raises ``BrokerNotConfigured`` without ``OMS_BROKER_URL``.
    """
    require_broker_url(settings, "scheduler")
    asyncio.run(scheduler_main(settings))


async def scheduler_main(
    settings: Settings,
    *,
    stop: asyncio.Event | None = None,
    broker: dramatiq.Broker | None = None,
) -> None:
    """The scheduler process's body; ``stop`` replaces the signals, ``broker`` the one
    built from ``OMS_BROKER_URL`` (tests, embedding)."""
    if broker is None:
        require_broker_url(settings, "scheduler")
        broker = make_broker(settings)
    # Registered only so messages go to the queues the actors declare; no job runs here.
    register_actors(broker, JobDatabase(settings))
    url = await asyncio.to_thread(resolve_database_url, settings)
    small = msgspec.structs.replace(
        settings, db_pool_size=_SCHEDULER_POOL_SIZE, db_max_overflow=_SCHEDULER_POOL_SIZE
    )
    engine = make_engine(url, small)
    relay = OutboxRelay(make_sessionmaker(engine), broker, settings.outbox_poll_seconds)
    loop = asyncio.get_running_loop()
    own_signals = stop is None
    stop = stop or asyncio.Event()
    if own_signals:
        for signum in _STOP_SIGNALS:
            loop.add_signal_handler(signum, stop.set)
    relay_task = asyncio.create_task(relay.run(), name="outbox-relay")
    scheduler_task = asyncio.create_task(run_scheduler(settings, broker), name="scheduler")
    stop_task = asyncio.create_task(stop.wait(), name="stop")
    log.info("scheduler started")
    try:
        # Both loops handle their own errors; if one ends anyway, stop rather than limp on.
        await asyncio.wait(
            [stop_task, relay_task, scheduler_task], return_when=asyncio.FIRST_COMPLETED
        )
        if not stop.is_set():
            log.error("scheduler loop ended unexpectedly; stopping")
    finally:
        relay.stop()
        scheduler_task.cancel()
        stop_task.cancel()
        await finish_tasks([relay_task, scheduler_task, stop_task], SHUTDOWN_TIMEOUT_SECONDS)
        await engine.dispose()
        broker.close()
        if own_signals:
            for signum in _STOP_SIGNALS:
                loop.remove_signal_handler(signum)
    log.info("scheduler stopped")


def _on_stop_signals(callback: Callable[[], None]) -> Callable[[], None]:
    """Call ``callback`` on the first SIGTERM/SIGINT; a second one acts as usual (exits).

    Returns a function that puts the previous handlers back.
    """
    previous = {signum: signal.getsignal(signum) for signum in _STOP_SIGNALS}

    def handler(signum: int, frame: FrameType | None) -> None:
        log.info("stop requested", extra={"signal": signal.Signals(signum).name})
        for other in _STOP_SIGNALS:
            signal.signal(other, signal.SIG_DFL)
        callback()

    for signum in _STOP_SIGNALS:
        signal.signal(signum, handler)

    def restore() -> None:
        for signum, old in previous.items():
            signal.signal(signum, old)

    return restore
