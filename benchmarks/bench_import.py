"""Bulk stock import throughput: a file of absolute counts, one row per (SKU, location).

Runs, each over the same number of rows:
  * baseline: PostgreSQL's own ``COPY ... FROM STDIN (FORMAT csv)`` of the file into a plain
    table - moving the bytes in, with no lookups, locks, levels or ledger;
  * the service (``import_stream``) creating every level, then the same file again (nothing
    changes), then a file where every count changed (updates of existing levels);
  * ``POST /inventory/imports`` on a real uvicorn process, the file streamed by httpx.
Afterwards the levels are checked against the last file and the ledger is audited.

    .venv/bin/python -m benchmarks.bench_import [--rows 1000000]

Uses ``OMS_BENCH_DATABASE_URL`` if set (a fresh database is created and dropped there),
otherwise an embedded PostgreSQL in a temporary directory.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type hints
import httpx
import msgspec
import uvloop

from benchmarks import common, harness
from oms.config import Settings
from oms.db.engine import make_engine, make_sessionmaker
from oms.inventory.services.bulk_import import ImportSummary, import_stream

SKUS = 2_000
SKU_PREFIX, LOCATION_PREFIX = "BI-", "BL-"
READ_SIZE = 256 * 1024
ACTOR = "admin:bench-import"


def shape(rows: int) -> tuple[int, int]:
    """(SKUs, locations): 2,000 SKUs at as many locations as the row count needs."""
    skus = min(SKUS, rows)
    return skus, math.ceil(rows / skus)


def write_file(path: Path, rows: int, skus: int, salt: int) -> None:
    """``rows`` lines in (location, SKU) order, as a store-by-store export would be."""
    with path.open("w") as out:
        out.write("sku,location,on_hand\n")
        written = 0
        location = 0
        while written < rows:
            location += 1
            take = min(skus, rows - written)
            out.writelines(
                f"{SKU_PREFIX}{s:06d},{LOCATION_PREFIX}{location:04d},"
                f"{(s * 7919 + location * 31 + salt) % 500 + 1}\n"
                for s in range(1, take + 1)
            )
            written += take


async def file_chunks(path: Path) -> AsyncIterator[bytes]:
    with path.open("rb") as src:
        while chunk := src.read(READ_SIZE):
            yield chunk


async def seed(url: str, skus: int, locations: int) -> None:
    conn = await asyncpg.connect(**common.connect_kwargs(url))
    try:
        codes = [f"{LOCATION_PREFIX}{n:04d}" for n in range(1, locations + 1)]
        await common.seed_locations(conn, codes)
        await common.seed_skus(conn, SKU_PREFIX, skus)
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


async def raw_copy(url: str, path: Path) -> float:
    conn = await asyncpg.connect(**common.connect_kwargs(url))
    try:
        await conn.execute("CREATE TABLE bench_raw_copy (sku text, location text, on_hand int)")
        started = time.perf_counter()
        await conn.copy_to_table("bench_raw_copy", source=path, format="csv", header=True)
        elapsed = time.perf_counter() - started
        await conn.execute("DROP TABLE bench_raw_copy")
    finally:
        await conn.close()
    return elapsed


async def post_file(port: int, token: str, path: Path) -> ImportSummary:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "text/csv"}
    async with httpx.AsyncClient(base_url=f"http://{harness.HOST}:{port}") as client:
        response = await client.post(
            "/inventory/imports",
            content=file_chunks(path),  # chunked upload: never the whole file in memory
            headers=headers,
            timeout=httpx.Timeout(900.0),
        )
    if response.status_code != 201:
        raise RuntimeError(f"HTTP {response.status_code}: {response.text[:500]}")
    return msgspec.json.decode(response.content, type=ImportSummary)


async def check_levels(url: str, path: Path) -> list[str]:
    """Every level holds what the last file said."""
    conn = await asyncpg.connect(**common.connect_kwargs(url))
    try:
        await conn.execute("CREATE TEMP TABLE expected (sku text, location text, on_hand int)")
        await conn.copy_to_table("expected", source=path, format="csv", header=True)
        wrong = await conn.fetchval(
            """
            SELECT count(*) FROM expected e
              JOIN sku k ON k.code = e.sku JOIN location l ON l.code = e.location
              LEFT JOIN inventory_level il ON il.sku_id = k.id AND il.location_id = l.id
             WHERE il.on_hand IS DISTINCT FROM e.on_hand
            """
        )
    finally:
        await conn.close()
    return [f"{wrong} levels differ from the last file"] if wrong else []


def peak_rss_mb(pid: int) -> float:
    """High-water mark of a process's resident memory (Linux), to show the body streamed."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


Run = tuple[str, int, int, float]  # name, rows, changed, seconds


async def timed(
    name: str, action: Callable[[], Awaitable[ImportSummary]], runs: list[Run]
) -> ImportSummary:
    started = time.perf_counter()
    summary = await action()
    elapsed = time.perf_counter() - started
    runs.append((name, summary.total, summary.changed, elapsed))
    print(
        f"  {name}: {summary.total:,} rows, {summary.changed:,} changed,"
        f" {summary.failed} failed in {elapsed:.1f} s",
        flush=True,
    )
    if summary.status != "completed" or summary.failed:
        raise RuntimeError(f"{name}: {summary.status}, errors {summary.errors[:3]}")
    return summary


async def main_async(rows: int) -> int:
    skus, locations = shape(rows)
    with tempfile.TemporaryDirectory(prefix="oms-bench-import-") as tmp_dir:
        tmp = Path(tmp_dir)
        async with common.bench_database(tmp) as url:
            print(f"import: {rows:,} rows = {skus:,} SKUs x {locations:,} locations", flush=True)
            await seed(url, skus, locations)
            files = [tmp / f"counts-{n}.csv" for n in range(3)]
            for salt, path in enumerate(files):
                write_file(path, rows, skus, salt)
            size_mb = files[0].stat().st_size / 1e6
            copy_seconds = await raw_copy(url, files[0])
            print(f"  baseline COPY: {copy_seconds:.1f} s ({size_mb:.0f} MB)", flush=True)

            engine = make_engine(url, Settings(database_url=url, db_pool_size=2))
            sessionmaker = make_sessionmaker(engine)

            def service(path: Path) -> Callable[[], Awaitable[ImportSummary]]:
                return lambda: import_stream(sessionmaker, file_chunks(path), "csv", ACTOR)

            runs: list[Run] = [("raw COPY into a plain table (baseline)", rows, 0, copy_seconds)]
            try:
                await timed("service: new levels", service(files[0]), runs)
                await timed("service: same file again", service(files[0]), runs)
                await timed("service: every count changed", service(files[1]), runs)
                token = await common.admin_token(url)
                async with harness.ApiProcess(url, tmp, pool_size=4) as api:  # timed once ready
                    http = "HTTP stream: every count changed"
                    await timed(http, lambda: post_file(api.port, token, files[2]), runs)
                    print(f"  API process peak memory: {peak_rss_mb(api.pid):.0f} MB", flush=True)
            finally:
                await engine.dispose()
            problems = await check_levels(url, files[2])
            report = await common.audit(url)
            print(f"  ledger audit: ok={report.ok}, {report.movements:,} movements", flush=True)
            if not report.ok:
                problems.append(f"audit: {report}")
    common.print_table(
        f"Bulk import of {rows:,} rows (CSV, {size_mb:.0f} MB)",
        ["run", "rows", "changed", "seconds", "rows/s", "x COPY time"],
        [
            [name, f"{n:,}", f"{changed:,}", seconds, n / seconds, f"{seconds / copy_seconds:.1f}"]
            for name, n, changed, seconds in runs
        ],
    )
    for problem in problems:
        print(f"FAILED: {problem}", file=sys.stderr)
    return 1 if problems else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Bulk stock import throughput")
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows per file")
    parser.add_argument("--quick", action="store_true", help="short smoke run (20,000 rows)")
    args = parser.parse_args(argv)
    if args.quick:
        args.rows = 20_000
    if args.rows < 1:
        parser.error("--rows must be at least 1")
    return uvloop.run(main_async(args.rows))


if __name__ == "__main__":
    sys.exit(main())
