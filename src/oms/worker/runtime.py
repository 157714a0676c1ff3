"""What a process runs besides HTTP: the outbox relay, and in embedded mode the jobs too."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import dramatiq
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from oms.config import Settings
from oms.worker.actors import JobDatabase, register_actors
from oms.worker.broker import make_broker
from oms.worker.outbox import OutboxRelay
from oms.worker.scheduler import run_scheduler

log = logging.getLogger(__name__)


class JobRuntime:
    """Started by the API's lifespan.

    With a broker URL the API only relays the outbox; ``oms worker`` and ``oms scheduler``
    do the rest. Without one (embedded), a dramatiq worker and the scheduler run here.
    """

    def __init__(
        self,
        settings: Settings,
        engine: AsyncEngine,
        sessionmaker: async_sessionmaker[AsyncSession],
    ) -> None:
        self.settings = settings
        self.broker = make_broker(settings)
        # Actors run on dramatiq's own event loop thread, so they get their own engine.
        url = engine.url.render_as_string(hide_password=False)
        self.actors = register_actors(self.broker, JobDatabase(settings, url=url))
        self.relay = OutboxRelay(sessionmaker, self.broker, settings.outbox_poll_seconds)
        self._tasks: list[asyncio.Task[None]] = []
        self._worker: dramatiq.Worker | None = None

    async def start(self) -> None:
        self._tasks.append(asyncio.create_task(self.relay.run(), name="outbox-relay"))
        if self.settings.in_process_jobs:
            self._worker = dramatiq.Worker(self.broker, worker_threads=2, worker_timeout=200)
            self._worker.start()
            self._tasks.append(
                asyncio.create_task(run_scheduler(self.settings, self.broker), name="scheduler")
            )

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._worker is not None:
            await asyncio.to_thread(self._worker.stop)
        self.broker.close()
