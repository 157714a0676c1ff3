"""Shared benchmark plumbing: command-line options, a throwaway migrated database, bulk
test data (levels with their ledger rows), latency statistics and result tables.

The API process and the load it is put under live in ``benchmarks.harness``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import uuid
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import ClauseElement
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.sql.compiler import SQLCompiler

from oms.auth.services.resolver import create_token
from oms.db import migrate
from oms.db.embedded import start_embedded
from oms.db.engine import make_sessionmaker, to_asyncpg_url
from oms.domain.access import Role
from oms.inventory.services.audit import AuditReport, run_audit

DATABASE_ENV = "OMS_BENCH_DATABASE_URL"
REPO_ROOT = Path(__file__).resolve().parents[1]


# ---- command line --------------------------------------------------------------------------


def bench_arguments(description: str, argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--seconds", type=float, default=5.0, help="measured seconds per run")
    parser.add_argument("--warmup", type=float, default=1.0, help="unmeasured seconds first")
    parser.add_argument("--repeat", type=int, default=3, help="runs per scenario (median)")
    parser.add_argument("--max-requests", type=int, default=500_000, help="cap per run")
    parser.add_argument("--quick", action="store_true", help="short smoke run")
    parser.add_argument(
        "--api-pool-size",
        type=int,
        default=None,
        help="database pool of the API process (default: the service's own default)",
    )
    parser.add_argument(
        "--api-workers",
        type=int,
        default=1,
        help="uvicorn worker processes for the API (like `oms serve --workers N`)",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        default=None,
        metavar="DIR",
        help="record the API process with py-spy (first run of each scenario) into DIR",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.seconds, args.warmup, args.repeat = 1.0, 0.3, 1
    return args


# ---- database ------------------------------------------------------------------------------


def connect_kwargs(url: str) -> dict[str, Any]:
    """asyncpg keyword arguments for a SQLAlchemy URL (the socket dir goes in ``host``)."""
    base, _, query = url.replace("postgresql+asyncpg://", "postgresql://").partition("?")
    params = dict(p.split("=", 1) for p in query.split("&") if "=" in p)
    kwargs: dict[str, Any] = {"dsn": base}
    if "host" in params:
        kwargs["host"] = params["host"]
    return kwargs


def _with_database(url: str, name: str) -> str:
    base, _, query = url.partition("?")
    return base.rsplit("/", 1)[0] + f"/{name}" + (f"?{query}" if query else "")


@contextlib.asynccontextmanager
async def bench_database(tmp: Path) -> AsyncIterator[str]:
    """A fresh migrated database (SQLAlchemy URL), dropped afterwards.

    On the server named by ``OMS_BENCH_DATABASE_URL``, else on an embedded PostgreSQL
    in ``tmp`` that is deleted when done.
    """
    given = os.environ.get(DATABASE_ENV)
    server = None
    if given:
        server_url = to_asyncpg_url(given)
    else:
        server, server_url = await asyncio.to_thread(start_embedded, tmp, delete_on_exit=True)
    name = f"oms_bench_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(**connect_kwargs(server_url))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        url = _with_database(server_url, name)
        engine = create_async_engine(url)
        try:
            await migrate.upgrade(engine)
        finally:
            await engine.dispose()
        yield url
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
        if server is not None:
            await asyncio.to_thread(server.cleanup)


@contextlib.asynccontextmanager
async def orm_session(url: str) -> AsyncIterator[AsyncSession]:
    """One committed transaction through the service's own session setup."""
    engine = create_async_engine(url)
    try:
        async with make_sessionmaker(engine)() as session, session.begin():
            yield session
    finally:
        await engine.dispose()


async def admin_token(url: str) -> str:
    async with orm_session(url) as session:
        _, secret, _ = await create_token(
            session, name=f"bench-{uuid.uuid4().hex[:6]}", role=Role.ADMIN
        )
    return secret


async def audit(url: str) -> AuditReport:
    async with orm_session(url) as session:
        return await run_audit(session)


def compiled(statement: ClauseElement) -> tuple[str, list[str]]:
    """SQL text and parameter order exactly as the service's driver (SQLAlchemy's asyncpg
    dialect) sends them, so a direct-SQL baseline runs the very same statements."""
    dialect = PGDialect_asyncpg()  # type: ignore[no-untyped-call]
    result = statement.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    assert isinstance(result, SQLCompiler)
    return result.string, list(result.positiontup or [])


# ---- bulk test data (levels and their ledger rows are written together) --------------------


async def seed_locations(conn: asyncpg.Connection, codes: Sequence[str]) -> dict[str, int]:
    """Stores on a line about 4 km apart, so the distance order is well defined."""
    rows = await conn.fetch(
        """
        INSERT INTO location (code, name, kind, address, lat, lon, timezone, opening_hours,
                              capabilities, daily_capacity, priority)
        SELECT code, 'Bench store ' || code, 'store', '{"city": "Bench"}'::jsonb,
               51.5 + 0.03 * (n - 1), -0.1 + 0.03 * (n - 1), 'Europe/London', '{}'::jsonb,
               ARRAY['pickup', 'ship_from', 'walk_in'], 1000, 100
          FROM unnest($1::text[]) WITH ORDINALITY AS t(code, n)
        RETURNING code, id
        """,
        list(codes),
    )
    return {row["code"]: row["id"] for row in rows}


async def seed_skus(conn: asyncpg.Connection, prefix: str, count: int) -> dict[str, int]:
    rows = await conn.fetch(
        """
        INSERT INTO sku (code, name, attributes)
        SELECT $1 || lpad(g::text, 6, '0'), 'Bench item ' || g, '{}'::jsonb
          FROM generate_series(1, $2::int) AS g
        RETURNING code, id
        """,
        prefix,
        count,
    )
    return {row["code"]: row["id"] for row in rows}


async def seed_stock(
    conn: asyncpg.Connection,
    sku_ids: Sequence[int],
    location_ids: Sequence[int],
    on_hand: int,
    safety_stock: int = 0,
) -> None:
    """Every SKU at every location, received through one ledger row per level."""
    await conn.execute(
        """
        WITH level AS (
            INSERT INTO inventory_level (sku_id, location_id, on_hand, safety_stock)
            SELECT s, l, $3, $4 FROM unnest($1::bigint[]) AS s CROSS JOIN unnest($2::bigint[]) AS l
            RETURNING sku_id, location_id, on_hand
        )
        INSERT INTO stock_movement
            (sku_id, location_id, kind, delta_on_hand, delta_reserved, ref_type, ref_id, actor)
        SELECT sku_id, location_id, 'receipt', on_hand, 0, 'bench', 'setup', 'bench' FROM level
        """,
        list(sku_ids),
        list(location_ids),
        on_hand,
        safety_stock,
    )


# ---- statistics and output ------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def print_table(title: str, headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    def cell(value: object) -> str:
        if isinstance(value, float):
            return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.2f}"
        return str(value)

    cells = [[cell(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    print(f"\n{title}")
    print("  ".join(h.rjust(w) for h, w in zip(headers, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in cells:
        print("  ".join(v.rjust(w) for v, w in zip(row, widths, strict=True)), flush=True)
