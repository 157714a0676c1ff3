"""Transactional outbox: jobs are written with the data and sent once it has committed.

``enqueue_after_commit`` adds a row in the caller's transaction. The relay reads pending
rows with ``FOR UPDATE SKIP LOCKED`` (any number of relays may run), hands them to the
broker and marks them sent. If the broker is down the rows stay pending and are retried:
a lost connection delays a job, it never loses it. Delivery is at least once, so every
actor is idempotent.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import dramatiq
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from oms.db.models import OutboxMessage

log = logging.getLogger(__name__)

_CLAIM = text(
    """
    SELECT id, queue_name, actor_name, payload FROM outbox
    WHERE dispatched_at IS NULL ORDER BY id LIMIT :limit FOR UPDATE SKIP LOCKED
    """
)
_MARK_SENT = text("UPDATE outbox SET dispatched_at = now() WHERE id = ANY(:ids)")


def enqueue_after_commit(
    session: AsyncSession, actor_name: str, payload: dict[str, Any], queue_name: str = "default"
) -> None:
    session.add(OutboxMessage(queue_name=queue_name, actor_name=actor_name, payload=payload))
    session.info["outbox_written"] = True


class OutboxRelay:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        broker: dramatiq.Broker,
        poll_seconds: float,
        batch_size: int = 200,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._broker = broker
        self._poll_seconds = poll_seconds
        self._batch_size = batch_size
        self._wake = asyncio.Event()

    def nudge(self) -> None:
        """Called after a commit that wrote outbox rows: relay now rather than at next poll."""
        self._wake.set()

    async def relay_once(self) -> int:
        """Send one batch; returns how many messages went to the broker."""
        async with self._sessionmaker() as session, session.begin():
            rows = (await session.execute(_CLAIM, {"limit": self._batch_size})).all()
            if not rows:
                return 0
            messages = [
                dramatiq.Message(
                    queue_name=row.queue_name,
                    actor_name=row.actor_name,
                    args=(),
                    kwargs=row.payload,
                    options={"outbox_id": row.id},
                )
                for row in rows
            ]
            # Broker clients block on the network: keep them off the event loop.
            await asyncio.to_thread(self._send_all, messages)
            await session.execute(_MARK_SENT, {"ids": [row.id for row in rows]})
            return len(rows)

    def _send_all(self, messages: list[dramatiq.Message[Any]]) -> None:
        for message in messages:
            self._broker.enqueue(message)

    async def run(self) -> None:
        while True:
            try:
                while await self.relay_once() == self._batch_size:
                    pass
            except Exception:  # the broker or database is away: keep the rows, retry later
                log.exception("outbox relay failed; will retry")
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self._poll_seconds)
            except TimeoutError:
                pass
            self._wake.clear()
