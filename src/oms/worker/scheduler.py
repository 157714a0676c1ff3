"""Periodic jobs. ``oms scheduler`` runs one of these; embedded mode runs it in-process.

A missed tick is harmless (the next one catches up), so periodic messages go straight to
the broker instead of through the outbox. Run exactly one scheduler per deployment; the
actors are idempotent, so a brief overlap during a redeploy only repeats a sweep.
"""

from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import dramatiq

from oms.config import Settings
from oms.fulfilment.jobs import SWEEP_SECONDS
from oms.outbox.messages import (
    CancelUncollectedPickups,
    DispatchSync,
    ExpireHolds,
    JobMessage,
    PurgeIdempotencyKeys,
    ReconcileListings,
    RouteBackorders,
    SweepChannelOrders,
)
from oms.worker.broker import actor_queue, enqueue_blocking

log = logging.getLogger(__name__)

# An enqueue that failed (broker away) is tried again this soon, not a whole period later.
RETRY_SECONDS = 5.0
# Lower bound on the loop's sleep, so a zero period cannot spin the CPU.
MIN_SLEEP_SECONDS = 0.05


@dataclass(frozen=True)
class PeriodicJob:
    message: JobMessage
    every_seconds: float

    @property
    def actor_name(self) -> str:
        return self.message.actor_name


def periodic_jobs(settings: Settings) -> list[PeriodicJob]:
    """The jobs ``oms scheduler`` enqueues, each with its interval in seconds from the settings."""
    return [
        PeriodicJob(ExpireHolds(), settings.hold_sweep_seconds),
        PeriodicJob(CancelUncollectedPickups(), SWEEP_SECONDS),
        PeriodicJob(RouteBackorders(), settings.backorder_sweep_seconds),
        PeriodicJob(PurgeIdempotencyKeys(older_than_hours=settings.idempotency_ttl_hours), 3600.0),
        PeriodicJob(DispatchSync(), settings.sync_tick_seconds),
        PeriodicJob(ReconcileListings(), 3600.0),
        PeriodicJob(SweepChannelOrders(), settings.channel_sweep_seconds),
    ]


async def run_scheduler(settings: Settings, broker: dramatiq.Broker) -> None:
    """Enqueue every periodic job when due (each once at start); runs until cancelled."""
    jobs = periodic_jobs(settings)
    next_due = [0.0] * len(jobs)
    loop = asyncio.get_running_loop()
    # One thread of its own: see OutboxRelay on blocking, thread-bound broker clients.
    sender = ThreadPoolExecutor(max_workers=1, thread_name_prefix="scheduler-send")
    try:
        while True:
            for index, job in enumerate(jobs):
                now = time.monotonic()
                if now < next_due[index]:
                    continue
                message: dramatiq.Message[Any] = dramatiq.Message(
                    queue_name=actor_queue(broker, job.actor_name, job.message.queue_name),
                    actor_name=job.actor_name,
                    args=(),
                    kwargs=job.message.payload(),
                    options={},
                )
                try:
                    await loop.run_in_executor(sender, enqueue_blocking, broker, message)
                except Exception:
                    log.exception("could not enqueue periodic job", extra={"actor": job.actor_name})
                    next_due[index] = now + min(job.every_seconds, RETRY_SECONDS)
                else:
                    next_due[index] = now + job.every_seconds
            await asyncio.sleep(max(MIN_SLEEP_SECONDS, min(next_due) - time.monotonic()))
    finally:
        await asyncio.to_thread(sender.shutdown)
