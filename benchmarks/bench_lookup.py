"""Stock look-up throughput: ``GET /stock/{sku}?near=<store>`` through the real service,
against the same queries sent straight to PostgreSQL with asyncpg, on a network of 20
stores x 10,000 SKUs (200,000 levels).

    .venv/bin/python -m benchmarks.bench_lookup [--quick] [--seconds 5] [--repeat 3]
"""

from __future__ import annotations

import asyncio
import random
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import msgspec
import uvloop

from benchmarks import common, harness
from benchmarks.common import compiled
from benchmarks.harness import HttpClient, Operation, Sample, Scenario
from oms.inventory.services.lookup import (
    _LEVELS_BY_LOCATION,
    _LOCATION_POINT,
    _SKU_BY_CODE_OR_BARCODE,
)

STORES = [f"BENCH-L{n:02d}" for n in range(1, 21)]
SKU_PREFIX, SKUS = "BENCH-K", 10_000
ON_HAND, SAFETY = 20, 2

SCENARIOS = [Scenario("lookup near", 8), Scenario("lookup near", 32)]


def random_ref() -> tuple[str, str]:
    """A random SKU code and a random store to measure distances from."""
    return f"{SKU_PREFIX}{random.randint(1, SKUS):06d}", random.choice(STORES)


async def build_world(url: str) -> str:
    """Seeds the network; returns an admin token."""
    conn = await asyncpg.connect(**common.connect_kwargs(url))
    try:
        locations = await common.seed_locations(conn, STORES)
        skus = await common.seed_skus(conn, SKU_PREFIX, SKUS)
        await common.seed_stock(
            conn, list(skus.values()), list(locations.values()), ON_HAND, SAFETY
        )
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    return await common.admin_token(url)


def api_operation(client: HttpClient) -> Operation:
    async def look_up() -> bool:
        sku, near = random_ref()
        status, payload = await client.request("GET", f"/stock/{sku}?near={near}")
        if status != 200:
            raise RuntimeError(f"HTTP {status}: {payload[:200]!r}")
        return True

    return look_up


class DirectSql:
    """The look-up service's queries for ``?near=``: the SKU by code, the origin location
    by code, then every level of the SKU with its location; one read transaction."""

    def __init__(self) -> None:
        self.sku, self.sku_order = compiled(_SKU_BY_CODE_OR_BARCODE)
        self.location, self.location_order = compiled(_LOCATION_POINT)
        self.levels, self.levels_order = compiled(_LEVELS_BY_LOCATION)

    def operation(self, conn: asyncpg.Connection) -> Operation:
        async def look_up() -> bool:
            sku_code, near = random_ref()
            async with conn.transaction():
                args: dict[str, Any] = {"ref": sku_code, "gtins": [], "code": near}
                sku = await conn.fetchrow(self.sku, *(args[k] for k in self.sku_order))
                await conn.fetchrow(self.location, *(args[k] for k in self.location_order))
                args["sku_id"] = sku["id"]
                rows = await conn.fetch(self.levels, *(args[k] for k in self.levels_order))
            if len(rows) != len(STORES):
                raise RuntimeError(f"{sku_code}: {len(rows)} levels")
            return True

        return look_up


async def check_response(port: int, token: str) -> None:
    """One look-up by hand, so the benchmark cannot measure a cheap error page."""
    client = HttpClient(port, {"Authorization": f"Bearer {token}"})
    try:
        status, payload = await client.request("GET", f"/stock/{SKU_PREFIX}000001?near={STORES[0]}")
    finally:
        await client.close()
    body = msgspec.json.decode(payload) if status == 200 else {}
    if len(body.get("locations", ())) != len(STORES) or not body.get("nearby"):
        raise RuntimeError(f"unexpected look-up response: HTTP {status} {payload[:300]!r}")
    print(
        f"  sample response: {len(body['locations'])} locations,"
        f" {len(body['nearby'])} nearby within {body['origin']['radius_km']:g} km,"
        f" {len(payload):,} bytes",
        flush=True,
    )


async def run_benchmark(url: str, token: str, data_dir: Path, args: Any) -> harness.Results:
    headers = {"Authorization": f"Bearer {token}"}
    sql = DirectSql()
    checked = False

    async def api_run(api: harness.ApiProcess, scenario: Scenario) -> Sample:
        nonlocal checked
        if not checked:
            await check_response(api.port, token)
            checked = True
        clients = [HttpClient(api.port, headers) for _ in range(scenario.clients)]
        try:
            ops = [api_operation(c) for c in clients]
            return await harness.drive(ops, args.seconds, args.warmup, args.max_requests)
        finally:
            await asyncio.gather(*(c.close() for c in clients))

    async def direct_run(scenario: Scenario) -> Sample:
        kwargs = common.connect_kwargs(url)
        conns = [await asyncpg.connect(**kwargs) for _ in range(scenario.clients)]
        try:
            ops = [sql.operation(c) for c in conns]
            return await harness.drive(ops, args.seconds, args.warmup, args.max_requests)
        finally:
            await asyncio.gather(*(c.close() for c in conns))

    return await harness.compare(
        SCENARIOS,
        api_run,
        direct_run,
        url=url,
        data_dir=data_dir,
        repeat=args.repeat,
        warmup_and_seconds=args.warmup + args.seconds,
        profile_dir=args.profile,
        pool_size=args.api_pool_size,
        api_workers=args.api_workers,
    )


async def main_async(args: Any) -> int:
    with tempfile.TemporaryDirectory(prefix="oms-bench-lookup-") as tmp:
        async with common.bench_database(Path(tmp)) as url:
            token = await build_world(url)
            print(
                f"stock look-up: {len(STORES)} stores x {SKUS:,} SKUs; {args.seconds:g} s"
                f" measured after {args.warmup:g} s warm-up, {args.repeat} run(s) per scenario",
                flush=True,
            )
            results = await run_benchmark(url, token, Path(tmp), args)
    harness.print_comparison(
        "GET /stock/{sku}?near= vs the same queries via asyncpg",
        "req/s",
        SCENARIOS,
        results,
        baseline="baseline",
    )
    errors = sum(s.errors for samples in results.values() for s in samples)
    if errors:
        print(f"FAILED: {errors} requests failed", file=sys.stderr)
    return 1 if errors else 0


def main(argv: Sequence[str] | None = None) -> int:
    args = common.bench_arguments("Stock look-up throughput (GET /stock/{sku})", argv)
    return uvloop.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
