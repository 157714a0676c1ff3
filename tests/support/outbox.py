"""The outbox tests' tools: a database of their own, a broker whose connection drops, and
a way to take what an in-memory queue holds.

Tests that relay the outbox use a database of their own: the app started by other tests runs
a relay on the shared database, and it would take these tests' rows.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from queue import Empty
from typing import Any

import dramatiq
from dramatiq.brokers.stub import StubBroker
from dramatiq.errors import ConnectionClosed
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from oms.config import Settings
from oms.db import migrate
from oms.db.engine import make_engine


@asynccontextmanager
async def isolated_database(
    server_url: str, settings: Settings
) -> AsyncIterator[tuple[str, AsyncEngine]]:
    """A freshly migrated database on the test server, dropped afterwards."""
    name = f"oms_jobs_{uuid.uuid4().hex[:10]}"
    admin = create_async_engine(server_url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    base, _, query = server_url.partition("?")
    url = base.rsplit("/", 1)[0] + f"/{name}" + (f"?{query}" if query else "")
    engine = make_engine(url, settings)
    try:
        await migrate.upgrade(engine)
        yield url, engine
    finally:
        await engine.dispose()
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


class FlakyBroker(StubBroker):
    """An in-memory broker whose connection drops: enqueue fails while ``failing`` is set,
    or after ``healthy_sends`` more successful sends."""

    def __init__(self) -> None:
        super().__init__()
        self.failing = False
        self.healthy_sends: int | None = None
        self.attempts = 0

    def enqueue(self, message: dramatiq.Message[Any], *, delay: int | None = None) -> Any:
        self.attempts += 1
        if self.failing or self.healthy_sends == 0:
            # dramatiq's exceptions have untyped constructors.
            raise ConnectionClosed(OSError("connection reset by peer"))  # type: ignore[no-untyped-call]
        if self.healthy_sends is not None:
            self.healthy_sends -= 1
        return super().enqueue(message, delay=delay)


def drain(broker: StubBroker, queue_name: str) -> list[dramatiq.Message[Any]]:
    """Take every message waiting on an in-memory queue."""
    queue = broker.queues[queue_name]
    messages: list[dramatiq.Message[Any]] = []
    while True:
        try:
            raw = queue.get_nowait()
        except Empty:
            return messages
        queue.task_done()
        messages.append(dramatiq.Message.decode(raw))
