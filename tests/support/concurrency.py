"""Helpers for tests that need many real database connections and a real HTTP server.

The point of these tests is contention inside PostgreSQL, so work is started together
behind a gate and each worker owns a distinct server connection (its backend pid proves
it). How many connections a test may take depends on the server: the embedded one allows
400, a shared development server often only 100, and other clients need some too.
"""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import msgspec
import uvicorn
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from oms.config import Settings
from oms.db.engine import make_engine

T = TypeVar("T")

# Hangs must fail the test with a clear message, not stall the run.
DEADLINE_SECONDS = 90.0

_FREE_CONNECTIONS = text(
    """
    SELECT current_setting('max_connections')::int AS max_connections,
           current_setting('max_connections')::int
           - current_setting('superuser_reserved_connections')::int
           - coalesce(nullif(current_setting('reserved_connections', true), ''), '0')::int
           - (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')
           AS free
    """
)


async def connection_share(
    engine: AsyncEngine, wanted: int, minimum: int, wait_seconds: float = 30.0
) -> int:
    """How many new connections this test may open: ``wanted`` or what the server can spare.

    A quarter of ``max_connections`` (at least 10) is always left for other clients. A
    server named by ``OMS_TEST_DATABASE_URL`` may be shared with other test runs doing the
    same, so there only half of the rest is taken. While fewer than ``minimum`` are spare
    (a neighbour's burst), wait a little for them to come back; the result may still be
    below ``minimum`` if they do not.
    """
    shared = bool(os.environ.get("OMS_TEST_DATABASE_URL"))
    loop = asyncio.get_running_loop()
    give_up = loop.time() + wait_seconds
    while True:
        async with engine.connect() as conn:
            row = (await conn.execute(_FREE_CONNECTIONS)).one()
        spare: int = row.free - max(10, row.max_connections // 4)
        if shared:
            spare //= 2
        share = max(0, min(wanted, spare))
        if share >= minimum or loop.time() >= give_up:
            return share
        await asyncio.sleep(0.5)


@asynccontextmanager
async def dedicated_engine(
    database_url: str, settings: Settings, size: int
) -> AsyncIterator[AsyncEngine]:
    """An engine whose pool holds ``size`` connections, closed when the block ends."""
    engine = make_engine(database_url, pool_settings(settings, size))
    try:
        yield engine
    finally:
        await engine.dispose()


def pool_settings(settings: Settings, size: int) -> Settings:
    return msgspec.structs.replace(settings, db_pool_size=size, db_max_overflow=0)


@dataclass(frozen=True)
class Pinned:
    """One open server connection and a session factory bound to it."""

    pid: int
    connection: AsyncConnection
    sessionmaker: async_sessionmaker[AsyncSession]


@asynccontextmanager
async def pinned_connections(engine: AsyncEngine, count: int) -> AsyncIterator[list[Pinned]]:
    """Open ``count`` connections at once and keep them open for the block.

    Sessions from ``Pinned.sessionmaker`` run their transactions on that connection only,
    so work given to different ``Pinned`` runs on different server backends.
    """
    async with AsyncExitStack() as stack:

        async def open_one() -> Pinned:
            conn = await stack.enter_async_context(engine.connect())
            pid = await conn.scalar(text("SELECT pg_backend_pid()"))
            await conn.commit()  # sessions begin their own transactions on it
            assert isinstance(pid, int)
            return Pinned(pid, conn, async_sessionmaker(bind=conn, expire_on_commit=False))

        opened = await asyncio.gather(*(open_one() for _ in range(count)), return_exceptions=True)
        failed = [o for o in opened if isinstance(o, BaseException)]
        if failed:  # the stack closes the ones that did open
            raise failed[0]
        yield [o for o in opened if isinstance(o, Pinned)]


async def run_together(jobs: Sequence[Callable[[], Awaitable[T]]]) -> list[T | BaseException]:
    """Start every job at the same moment; return each result or the exception it raised."""
    gate = asyncio.Event()

    async def gated(job: Callable[[], Awaitable[T]]) -> T:
        await gate.wait()
        return await job()

    tasks = [asyncio.create_task(gated(job)) for job in jobs]
    await asyncio.sleep(0)  # every task is now parked on the gate
    gate.set()
    async with asyncio.timeout(DEADLINE_SECONDS):
        return await asyncio.gather(*tasks, return_exceptions=True)


async def run_on_connections(
    pinned: Sequence[Pinned],
    attempts: int,
    attempt: Callable[[async_sessionmaker[AsyncSession], int], Awaitable[T]],
) -> list[T | BaseException]:
    """Spread ``attempts`` over the pinned connections (round robin), all starting together.

    With as many connections as attempts every attempt has its own backend; with fewer,
    each connection runs its share one after the other.
    """
    results: list[T | BaseException] = [RuntimeError("attempt never ran")] * attempts

    def worker(index: int, sm: async_sessionmaker[AsyncSession]) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            for n in range(index, attempts, len(pinned)):
                try:
                    results[n] = await attempt(sm, n)
                except Exception as exc:  # collected: the test classifies every outcome
                    results[n] = exc

        return run

    outcomes = await run_together([worker(i, p.sessionmaker) for i, p in enumerate(pinned)])
    crashed = [o for o in outcomes if isinstance(o, BaseException)]
    assert not crashed, f"workers crashed: {crashed!r}"
    return results


def sqlstate(exc: BaseException) -> str | None:
    """The PostgreSQL error code behind a database exception, if any."""
    return getattr(getattr(exc, "orig", None), "sqlstate", None)


@asynccontextmanager
async def live_server(app: Any, **options: Any) -> AsyncIterator[str]:
    """Serve ``app`` with uvicorn on a loopback port for the block; yield its base URL.

    The socket is bound before the server starts, so no other process can take the port
    between choosing it and listening on it. ``options`` are further uvicorn ``Config``
    options (e.g. the ones ``oms serve`` uses); host and port are always this socket's.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        **{
            "log_level": "warning",
            "backlog": 1024,
            **options,
            "host": "127.0.0.1",
            "port": port,
            "lifespan": "on",
        },
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        async with asyncio.timeout(30):
            while not server.started:
                if task.done():
                    task.result()  # re-raise why it could not start
                    raise RuntimeError("server stopped before it started")
                await asyncio.sleep(0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        async with asyncio.timeout(30):
            await task
        sock.close()
