"""What a process runs besides HTTP: the outbox relay, and in embedded mode the jobs too."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import Any

import dramatiq
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from oms.config import Settings
from oms.worker.actors import JobDatabase, register_actors
from oms.worker.broker import jobs_in_process, make_broker
from oms.worker.outbox import OutboxRelay
from oms.worker.scheduler import run_scheduler

log = logging.getLogger(__name__)

# Embedded mode serves one machine: a couple of job threads are plenty next to HTTP.
EMBEDDED_WORKER_THREADS = 2


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
        self.in_process = jobs_in_process(settings)
        self.broker = make_broker(settings)
        # Actors run on dramatiq's own event loop thread, so they get their own engine.
        url = engine.url.render_as_string(hide_password=False)
        self.database = JobDatabase(settings, url=url)
        # Registered in every mode: the relay sends each message to the queue its actor declares.
        self.actors = register_actors(self.broker, self.database)
        self.relay = OutboxRelay(sessionmaker, self.broker, settings.outbox_poll_seconds)
        self._relay_task: asyncio.Task[None] | None = None
        self._scheduler_task: asyncio.Task[None] | None = None
        self._worker: dramatiq.Worker | None = None

    async def start(self) -> None:
        """Start the outbox relay, and in embedded mode a dramatiq worker and the scheduler too."""
        if self.in_process:
            # Short idle timeout: the worker notices a stop request within a fraction of a second.
            self._worker = dramatiq.Worker(
                self.broker, worker_threads=EMBEDDED_WORKER_THREADS, worker_timeout=200
            )
            self._worker.start()
            self._scheduler_task = asyncio.create_task(
                run_scheduler(self.settings, self.broker), name="scheduler"
            )
        self._relay_task = asyncio.create_task(self.relay.run(), name="outbox-relay")

    async def stop(self, grace_seconds: float = 10.0) -> None:
        """Stop relaying and scheduling, let running jobs finish (up to ``grace_seconds``), close.

        A job still running after that is abandoned; its message was not acknowledged,
        so a real broker delivers it again (in embedded mode the next sweep redoes it).
        """
        self.relay.stop()
        if self._scheduler_task is not None:
            self._scheduler_task.cancel()
        await finish_tasks([self._scheduler_task, self._relay_task], grace_seconds)
        self._scheduler_task = self._relay_task = None
        worker, self._worker = self._worker, None
        if worker is not None:
            await asyncio.to_thread(worker.stop, int(grace_seconds * 1000))
        with contextlib.suppress(Exception):
            self.broker.close()


async def finish_tasks(tasks: Sequence[asyncio.Task[Any] | None], grace_seconds: float) -> None:
    """Wait for background tasks already asked to stop; cancel any still running after
    ``grace_seconds`` (a relay stuck on an unreachable broker or database); log their failures."""
    started = [task for task in tasks if task is not None]
    if not started:
        return
    _, pending = await asyncio.wait(started, timeout=grace_seconds)
    for task in pending:
        task.cancel()
    await asyncio.gather(*started, return_exceptions=True)
    for task in started:
        if not task.cancelled() and task.exception() is not None:
            log.error(
                "background task failed", exc_info=task.exception(), extra={"task": task.get_name()}
            )
