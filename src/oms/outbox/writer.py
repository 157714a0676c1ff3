"""Transactional outbox, writing side: a job is stored with the data it is about.

The row is written in the caller's transaction, so a rolled-back request sends nothing;
``oms.worker.outbox`` relays committed rows to the broker. Features below the worker
enqueue through this module and never import the worker; ``messages`` types every job.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from oms.db.models import OutboxMessage
from oms.outbox.messages import JobMessage


def enqueue_after_commit(session: AsyncSession, message: JobMessage) -> None:
    """Send ``message`` to its actor once the caller's transaction commits."""
    session.add(
        OutboxMessage(
            queue_name=message.queue_name, actor_name=message.actor_name, payload=message.payload()
        )
    )
    session.info["outbox_written"] = True
