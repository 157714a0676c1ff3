"""Transactional outbox, writing side: a job is stored with the data it is about.

The row is written in the caller's transaction, so a rolled-back request sends nothing;
``oms.worker.outbox`` relays committed rows to the broker. Features below the worker
enqueue through this module and never import the worker.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from oms.db.models import OutboxMessage


def enqueue_after_commit(
    session: AsyncSession, actor_name: str, payload: dict[str, Any], queue_name: str = "default"
) -> None:
    """Send ``actor_name(**payload)`` once the caller's transaction commits.

    ``queue_name`` is only a fallback: an actor known to the relaying process goes to the
    queue it declares.
    """
    session.add(OutboxMessage(queue_name=queue_name, actor_name=actor_name, payload=payload))
    session.info["outbox_written"] = True
