"""Job actors. Each takes plain arguments, is idempotent, and declares queue, limits, retries.

Actors are registered on an explicit broker (``register_actors``) rather than at import
time, so the API, the worker and the tests each choose their broker.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import dramatiq
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from oms.config import Settings
from oms.db.engine import make_engine, make_sessionmaker, resolve_database_url
from oms.inventory.services.holds import release_expired_holds
from oms.system.maintenance import purge_idempotency_keys

log = logging.getLogger(__name__)

EXPIRE_HOLDS = "expire_holds"
PURGE_IDEMPOTENCY_KEYS = "purge_idempotency_keys"


class JobDatabase:
    """One engine per worker process, created lazily on the loop that runs the actors."""

    def __init__(self, settings: Settings, url: str | None = None) -> None:
        self._settings = settings
        self._url = url
        self._engine: AsyncEngine | None = None
        self._sessionmaker: async_sessionmaker[AsyncSession] | None = None
        self._lock = asyncio.Lock()

    async def sessionmaker(self) -> async_sessionmaker[AsyncSession]:
        async with self._lock:
            if self._sessionmaker is None:
                url = self._url or await asyncio.to_thread(resolve_database_url, self._settings)
                self._engine = make_engine(url, self._settings)
                self._sessionmaker = make_sessionmaker(self._engine)
            return self._sessionmaker


def register_actors(broker: dramatiq.Broker, database: JobDatabase) -> dict[str, dramatiq.Actor]:
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
        if purged:
            log.info("idempotency keys purged", extra={"keys": purged})

    definitions: list[tuple[str, Callable[..., Awaitable[Any]], dict[str, Any]]] = [
        (EXPIRE_HOLDS, expire_holds, {"queue_name": "maintenance", "time_limit": 60_000}),
        (
            PURGE_IDEMPOTENCY_KEYS,
            purge_keys,
            {"queue_name": "maintenance", "time_limit": 120_000},
        ),
    ]
    actors = {}
    for name, fn, options in definitions:
        actors[name] = dramatiq.actor(
            fn, actor_name=name, broker=broker, max_retries=5, min_backoff=1_000, **options
        )
    return actors
