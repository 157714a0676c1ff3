"""Periodic jobs. ``oms scheduler`` runs one of these; embedded mode runs it in-process.

A missed tick is harmless (the next one catches up), so periodic messages go straight to
the broker instead of through the outbox.
"""

from __future__ import annotations

import asyncio
import logging
import time

import dramatiq

from oms.config import Settings
from oms.worker.actors import EXPIRE_HOLDS, PURGE_IDEMPOTENCY_KEYS

log = logging.getLogger(__name__)


def periodic_jobs(settings: Settings) -> list[tuple[str, float, dict[str, object]]]:
    """(actor name, every N seconds, kwargs)."""
    return [
        (EXPIRE_HOLDS, settings.hold_sweep_seconds, {}),
        (PURGE_IDEMPOTENCY_KEYS, 3600.0, {"older_than_hours": settings.idempotency_ttl_hours}),
    ]


async def run_scheduler(settings: Settings, broker: dramatiq.Broker) -> None:
    jobs = periodic_jobs(settings)
    next_due = dict.fromkeys((name for name, _, _ in jobs), 0.0)
    while True:
        now = time.monotonic()
        for name, every, kwargs in jobs:
            if now >= next_due[name]:
                next_due[name] = now + every
                message = dramatiq.Message(
                    queue_name="maintenance", actor_name=name, args=(), kwargs=kwargs, options={}
                )
                try:
                    await asyncio.to_thread(broker.enqueue, message)
                except Exception:
                    log.exception("could not enqueue periodic job", extra={"actor": name})
        await asyncio.sleep(max(0.2, min(next_due.values()) - time.monotonic()))
