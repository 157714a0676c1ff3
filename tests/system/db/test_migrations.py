"""Migrations: one head; empty → head → empty → head on a real, separate database."""

from __future__ import annotations

import uuid

import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type hints
from sqlalchemy import text

from oms.config import Settings
from oms.db import migrate
from oms.db.engine import make_engine


def test_single_head() -> None:
    from alembic.script import ScriptDirectory

    heads = ScriptDirectory.from_config(migrate.alembic_config()).get_heads()
    assert len(heads) == 1


async def test_upgrade_downgrade_upgrade(
    database_url: str, asyncpg_connect_kwargs: dict[str, object]
) -> None:
    name = f"oms_migr_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(**asyncpg_connect_kwargs)
    await admin.execute(f'CREATE DATABASE "{name}"')
    base, _, query = database_url.partition("?")
    url = base.rsplit("/", 1)[0] + f"/{name}" + (f"?{query}" if query else "")
    engine = make_engine(url, Settings(db_pool_size=2, db_max_overflow=0))
    tables = text(
        "SELECT count(*) FROM information_schema.tables"
        " WHERE table_schema = 'public' AND table_name <> 'alembic_version'"
    )
    try:
        await migrate.upgrade(engine)
        assert await migrate.current_revision(engine) == migrate.head_revision()
        async with engine.connect() as conn:
            assert await conn.scalar(tables) >= 10
            # The ledger is append-only even for the database owner.
            trigger = await conn.scalar(
                text("SELECT count(*) FROM pg_trigger WHERE tgname = 'stock_movement_append_only'")
            )
            assert trigger == 1

        await migrate.downgrade(engine, "base")
        assert await migrate.current_revision(engine) is None
        async with engine.connect() as conn:
            assert await conn.scalar(tables) == 0

        await migrate.upgrade(engine)
        assert await migrate.current_revision(engine) == migrate.head_revision()
    finally:
        await engine.dispose()
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def test_models_match_migrations(engine: object) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from oms.db.base import Base

    async with engine.connect() as conn:  # type: ignore[attr-defined]
        diff = await conn.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata)
        )
    assert diff == [], f"models and migrations disagree: {diff}"
