"""Outbox relay: sends the jobs written with the data once their transaction has committed.

``oms.outbox.writer.enqueue_after_commit`` adds a row in the caller's transaction. The
relay reads pending rows with ``FOR UPDATE SKIP LOCKED`` (any number of relays may run),
hands them to the broker and marks them sent. If the broker is down the rows stay pending
and are retried: a lost connection delays a job, it never loses it. Delivery is at least
once, so every actor is idempotent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import dramatiq
from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from oms.worker.broker import actor_queue, enqueue_blocking

log = logging.getLogger(__name__)

_CLAIM = text(
    """
    SELECT id, queue_name, actor_name, payload FROM outbox
    WHERE dispatched_at IS NULL ORDER BY id LIMIT :limit FOR UPDATE SKIP LOCKED
    """
)
_MARK_SENT = text("UPDATE outbox SET dispatched_at = now() WHERE id = ANY(:ids)")
# Consecutive failures back off up to this, so a broker outage does not flood the logs.
_MAX_BACKOFF_SECONDS = 30.0


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
        self._stopping = False
        # Broker clients block on the network, and pika's connections belong to the thread
        # that opened them: every send goes through one thread of our own.
        self._sender: ThreadPoolExecutor | None = None

    def nudge(self) -> None:
        """Called after a commit that wrote outbox rows: relay now rather than at next poll."""
        self._wake.set()

    def stop(self) -> None:
        """Ask ``run`` to return after the batch in hand."""
        self._stopping = True
        self._wake.set()

    async def relay_once(self) -> int:
        """Send one batch; returns how many messages went to the broker.

        Rows sent before a failure are marked; the failure is raised after that commit and
        the rest stay pending for the next pass.
        """
        failure: Exception | None = None
        async with self._sessionmaker() as session, session.begin():
            rows = (await session.execute(_CLAIM, {"limit": self._batch_size})).all()
            if not rows:
                return 0
            messages = [self._message(row) for row in rows]
            if self._sender is None:
                self._sender = ThreadPoolExecutor(max_workers=1, thread_name_prefix="outbox-send")
            loop = asyncio.get_running_loop()
            sent, failure = await loop.run_in_executor(self._sender, self._send_all, messages)
            if sent:
                await session.execute(_MARK_SENT, {"ids": [row.id for row in rows[:sent]]})
        if failure is not None:
            raise failure
        return sent

    def _message(self, row: Row[Any]) -> dramatiq.Message[Any]:
        return dramatiq.Message(
            queue_name=actor_queue(self._broker, row.actor_name, row.queue_name),
            actor_name=row.actor_name,
            args=(),
            kwargs=row.payload,
            options={"outbox_id": row.id},
        )

    def _send_all(self, messages: Sequence[dramatiq.Message[Any]]) -> tuple[int, Exception | None]:
        for sent, message in enumerate(messages):
            try:
                enqueue_blocking(self._broker, message)
            except Exception as exc:
                return sent, exc
        return len(messages), None

    async def run(self) -> None:
        """Relay until ``stop``: at once when nudged, else every ``poll_seconds``."""
        failures = 0
        try:
            while not self._stopping:
                self._wake.clear()
                try:
                    while not self._stopping and await self.relay_once() == self._batch_size:
                        pass
                    failures = 0
                except Exception:  # the broker or database is away: keep the rows, retry later
                    failures += 1
                    log.exception("outbox relay failed; will retry", extra={"failures": failures})
                if self._stopping:
                    break
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=self._delay(failures))
        finally:
            await self.aclose()

    def _delay(self, failures: int) -> float:
        if not failures:
            return max(self._poll_seconds, 0.01)
        backoff = self._poll_seconds * 2.0 ** min(failures, 10)
        return min(backoff, max(_MAX_BACKOFF_SECONDS, self._poll_seconds))

    async def aclose(self) -> None:
        """Let the sending thread finish and exit (``run`` does this when it returns)."""
        sender, self._sender = self._sender, None
        if sender is not None:
            await asyncio.to_thread(sender.shutdown)
