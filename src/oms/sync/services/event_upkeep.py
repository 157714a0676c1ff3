"""Partner events after they came in: any a lost job left waiting is applied, and settled
ones are deleted once nobody needs them.

A webhook delivery is stored and its job written to the outbox in one transaction, so the
job is never lost before it reaches the broker. It can be lost after: an embedded
deployment's in-memory queue dies with a killed process, and a job whose retries ran out
while the database was down is dropped. The event then waits in ``received`` and, for a
partner without an order feed to sweep (the generic webhook channel), its order would
never arrive. ``apply_waiting_events`` (run by the repair sweep) applies every event
waiting longer than ``OMS_CHANNEL_EVENT_REDRIVE_SECONDS``; applying claims the row and
checks its state, so a slow job that runs after all just finds it settled.

``purge_settled_events`` deletes applied and ignored events older than
``OMS_CHANNEL_EVENT_KEEP_DAYS``: their raw bodies hold customers' names and addresses,
already in the orders they made. Failed events stay: each is an order that did not come
in, for an admin to retry or dismiss, and so are events still waiting.
"""

from __future__ import annotations

import logging

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from oms.db.models.channels import SETTLED_EVENT_STATES
from oms.sync.services.apply import Partners, apply_channel_event

log = logging.getLogger(__name__)

# Oldest first, so one that keeps failing to apply cannot starve the ones behind it for
# more than a batch.
_WAITING = text(
    """
    SELECT id FROM channel_event
     WHERE state = 'received' AND received_at < now() - make_interval(secs => :older_than)
     ORDER BY received_at, id
     LIMIT :limit
    """
)
# In batches of their own transaction, so a first purge of a year's events holds no lock
# for long.
_PURGE = text(
    """
    DELETE FROM channel_event
     WHERE id IN (SELECT id FROM channel_event
                   WHERE state = ANY(CAST(:settled AS text[]))
                     AND received_at < now() - make_interval(secs => :keep_seconds)
                   LIMIT :limit)
    """
)


async def apply_waiting_events(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    partners: Partners,
    older_than_seconds: float,
    limit: int = 200,
) -> dict[str, int]:
    """Apply up to ``limit`` events waiting longer than ``older_than_seconds``, each in its
    own transaction; how many ended in each state. One that cannot be applied now
    (contended stock, the database failing) stays waiting for the next sweep."""
    async with sessionmaker() as session:
        rows = await session.execute(_WAITING, {"older_than": older_than_seconds, "limit": limit})
        waiting = [int(row.id) for row in rows]
    ended: dict[str, int] = {}
    for event_id in waiting:
        try:
            state = await apply_channel_event(sessionmaker, event_id, partners=partners)
        except Exception:
            log.exception("a waiting partner event could not be applied", extra={"event": event_id})
            continue
        if state is not None:  # None: a job settled it, or holds it, meanwhile
            ended[state] = ended.get(state, 0) + 1
    if ended:
        log.warning("partner events whose job was lost were applied", extra={"events": ended})
    return ended


async def purge_settled_events(
    sessionmaker: async_sessionmaker[AsyncSession], *, keep_days: float, batch: int = 5000
) -> int:
    """Delete applied and ignored events older than ``keep_days``; how many."""
    purged = 0
    while True:
        async with sessionmaker() as session, session.begin():
            result = await session.execute(
                _PURGE,
                {
                    "keep_seconds": keep_days * 86400.0,
                    "settled": list(SETTLED_EVENT_STATES),
                    "limit": batch,
                },
            )
        deleted = int(result.rowcount)  # type: ignore[attr-defined]
        purged += deleted
        if deleted < batch:
            return purged
