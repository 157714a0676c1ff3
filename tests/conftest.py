"""Shared fixtures: a real PostgreSQL database per test run, the app, tokens, test data.

Without ``OMS_TEST_DATABASE_URL`` the run starts its own embedded PostgreSQL in a temporary
directory. Either way a fresh database is created for the run and dropped afterwards, so
tests never touch anybody's data. Tests share it; each creates its own uniquely named
locations and SKUs, so they do not depend on each other's rows.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type hints
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from oms.app import create_app
from oms.config import Settings
from oms.db import migrate
from oms.db.embedded import start_embedded
from oms.db.engine import make_engine, make_sessionmaker, to_asyncpg_url
from tests.support.world import World


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    """asyncpg URL of a PostgreSQL server's maintenance database."""
    given = os.environ.get("OMS_TEST_DATABASE_URL")
    if given:
        yield to_asyncpg_url(given)
        return
    with tempfile.TemporaryDirectory(prefix="oms-test-") as tmp:
        server, url = start_embedded(Path(tmp), delete_on_exit=True)
        yield url.replace("/oms?", "/postgres?")
        server.cleanup()


def _plain(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


def _asyncpg_kwargs(url: str) -> dict[str, object]:
    """asyncpg does not read ``?host=/socket/dir`` from a DSN path-less URL reliably."""
    base, _, query = url.partition("?")
    params = dict(p.split("=", 1) for p in query.split("&") if "=" in p)
    kwargs: dict[str, object] = {"dsn": _plain(base)}
    if "host" in params:
        kwargs["host"] = params["host"]
    return kwargs


@pytest.fixture(scope="session")
async def database_url(server_url: str) -> AsyncIterator[str]:
    """A fresh database for this run, dropped at the end."""
    name = f"oms_test_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(**_asyncpg_kwargs(server_url))
    await admin.execute(f'CREATE DATABASE "{name}"')
    base, _, query = server_url.partition("?")
    url = base.rsplit("/", 1)[0] + f"/{name}" + (f"?{query}" if query else "")
    yield url
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin.close()


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        database_url=database_url,
        data_dir=str(tmp_path_factory.mktemp("data")),
        log_requests=False,
        db_pool_size=40,
        db_max_overflow=60,
        hold_sweep_seconds=3600.0,
        backorder_sweep_seconds=3600.0,
        # Tests run channel sync's steps themselves; the app's own ticks would race them.
        sync_tick_seconds=3600.0,
        channel_sweep_seconds=3600.0,
        # The sweep the app runs as it starts must not apply events tests leave waiting.
        channel_event_redrive_seconds=365 * 86400.0,
    )


@pytest.fixture(scope="session")
async def engine(settings: Settings, database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(database_url, settings)
    await migrate.upgrade(engine)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
def sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return make_sessionmaker(engine)


@pytest.fixture(scope="session")
async def client(
    settings: Settings, engine: AsyncEngine
) -> AsyncIterator[AsyncTestClient[Litestar]]:
    app = create_app(settings)
    async with AsyncTestClient(app=app, base_url="http://127.0.0.1") as client:
        yield client


@pytest.fixture(scope="session")
def asyncpg_connect_kwargs(database_url: str) -> dict[str, object]:
    return _asyncpg_kwargs(database_url)


@pytest.fixture
async def world(
    sessionmaker: async_sessionmaker[AsyncSession],
    client: AsyncTestClient[Litestar],
) -> World:
    return World(sessionmaker, client)
