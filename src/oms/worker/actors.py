"""Job actors. Each takes plain arguments, is idempotent, and declares queue, limits, retries.

Actors are registered on an explicit broker (``register_actors``) rather than at import
time, so the API, the worker and the tests each choose their broker.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import dramatiq
from dramatiq.asyncio import get_event_loop_thread
from dramatiq.middleware import Middleware
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from oms.auth.services.sessions import end_stale_sessions
from oms.config import Settings
from oms.db.engine import make_engine, make_sessionmaker, resolve_database_url
from oms.fulfilment.jobs import sweep_uncollected_pickups
from oms.inventory.services.holds import release_expired_holds
from oms.notifications import jobs as notification_jobs
from oms.notifications.services.senders import sender_for
from oms.orders.jobs import route_backorders
from oms.outbox.messages import (
    CancelUncollectedPickups,
    ExpireHolds,
    PurgeIdempotencyKeys,
    RouteBackorders,
    SendNotification,
)
from oms.system.services.maintenance import purge_idempotency_keys
from oms.tracking.services.ratelimit import purge_rate_limit_windows
from oms.worker.broker import ensure_async_support
from oms.worker.specs import ActorSpec
from oms.worker.sync_actors import sync_actor_specs

log = logging.getLogger(__name__)


class JobDatabase:
    """One engine per worker process, created lazily on the loop that runs the actors."""

    def __init__(self, settings: Settings, url: str | None = None) -> None:
        self._settings = settings
        self._url = url
        self._engine: AsyncEngine | None = None
        self._sessionmaker: async_sessionmaker[AsyncSession] | None = None
        self._lock = asyncio.Lock()

    async def sessionmaker(self) -> async_sessionmaker[AsyncSession]:
        """The process's sessionmaker, creating the engine on first use (on the calling loop)."""
        async with self._lock:
            if self._sessionmaker is None:
                url = self._url
                if url is None:
                    url = await asyncio.to_thread(resolve_database_url, self._settings)
                self._engine = make_engine(url, self._settings)
                self._sessionmaker = make_sessionmaker(self._engine)
            return self._sessionmaker

    @property
    def settings(self) -> Settings:
        return self._settings

    async def dispose(self) -> None:
        """Close the pool on the loop that opened it; a later job opens a new one."""
        engine, self._engine, self._sessionmaker = self._engine, None, None
        self._lock = asyncio.Lock()
        if engine is not None:
            await engine.dispose()


class _CloseDatabaseOnShutdown(Middleware):
    """Dispose the job engine after the worker's threads stopped, before the loop does."""

    def __init__(self, database: JobDatabase) -> None:
        self._database = database

    def after_worker_shutdown(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        loop_thread = get_event_loop_thread()
        if loop_thread is not None and loop_thread.loop.is_running():
            loop_thread.run_coroutine(self._database.dispose())


def register_actors(
    broker: dramatiq.Broker, database: JobDatabase, *, queue_prefix: str = ""
) -> dict[str, dramatiq.Actor[..., Any]]:
    """Declare every actor on ``broker``.

    ``queue_prefix`` lets several deployments (or test runs) share one Redis or RabbitMQ
    without taking each other's messages; the relay and the scheduler send each message to
    the queue its actor declares here.
    """
    ensure_async_support(broker)

    async def expire_holds(batch_size: int = 500) -> None:
        sessionmaker = await database.sessionmaker()
        total = 0
        while True:  # bounded batches, each its own short transaction
            async with sessionmaker() as session, session.begin():
                released = await release_expired_holds(session, limit=batch_size)
            total += released
            if released < batch_size:
                break
        if total:
            log.info("expired holds released", extra={"holds": total})

    async def purge_keys(older_than_hours: int = 24) -> None:
        sessionmaker = await database.sessionmaker()
        async with sessionmaker() as session, session.begin():
            purged = await purge_idempotency_keys(session, older_than_hours)
            windows = await purge_rate_limit_windows(session)
            stale = await end_stale_sessions(
                session,
                idle_seconds=database.settings.app_idle_lock_seconds,
                lifetime_seconds=database.settings.app_session_hours * 3600,
            )
        if stale:
            log.info("idle app sessions ended", extra={"sessions": stale})
        if purged:
            log.info("idempotency keys purged", extra={"keys": purged})
        if windows:
            log.info("rate limit windows purged", extra={"windows": windows})

    async def route_waiting_orders(limit: int = 200) -> None:
        await route_backorders(await database.sessionmaker(), limit)

    async def cancel_uncollected_pickups(batch_size: int = 100) -> None:
        await sweep_uncollected_pickups(
            await database.sessionmaker(), batch_size, public_url=database.settings.public_url
        )

    sender = sender_for(database.settings)

    async def send_notification(notification_id: int) -> None:
        await notification_jobs.send_notification(database.sessionmaker, sender, notification_id)

    specs = [
        ActorSpec(SendNotification, send_notification, 120_000),
        ActorSpec(ExpireHolds, expire_holds, 60_000, max_age_ms=300_000),
        ActorSpec(RouteBackorders, route_waiting_orders, 120_000, max_age_ms=300_000),
        ActorSpec(
            CancelUncollectedPickups, cancel_uncollected_pickups, 120_000, max_age_ms=900_000
        ),
        ActorSpec(PurgeIdempotencyKeys, purge_keys, 120_000, max_age_ms=3_600_000),
        *sync_actor_specs(broker, database, queue_prefix=queue_prefix),
    ]
    actors: dict[str, dramatiq.Actor[..., Any]] = {}
    for spec in specs:
        options: dict[str, Any] = {
            "queue_name": queue_prefix + spec.queue,
            "time_limit": spec.time_limit_ms,
            "max_retries": spec.max_retries,
            "min_backoff": 1_000,
            "max_backoff": 60_000,
        }
        if spec.max_age_ms is not None:
            options["max_age"] = spec.max_age_ms
        name = spec.name
        actors[name] = dramatiq.actor(actor_name=name, broker=broker, **options)(spec.fn)
    # Added after the AsyncIO middleware, so it runs before that one stops the loop.
    broker.add_middleware(_CloseDatabaseOnShutdown(database))
    return actors
