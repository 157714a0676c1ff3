"""Reservation throughput: ``POST /holds`` through the real service, against the same
transaction sent straight to PostgreSQL with asyncpg (the ceiling for this machine), then
proof that nothing was oversold.

    .venv/bin/python -m benchmarks.bench_reserve [--quick] [--seconds 5] [--repeat 3]
        [--api-pool-size N] [--profile DIR]   (--profile needs py-spy on PATH)

Scenarios: one hot SKU at one store (every client fights for the same row lock) at 1-64
clients, and a random SKU out of 10,000 per request. The table shows medians over the runs;
"API/ceiling" is how much of what PostgreSQL itself sustains on this machine the service
delivers, and "API CPU ms/req" is the server process's CPU time per request. Afterwards:
each level's ``reserved`` must equal the successes the clients counted and stay within
on_hand - safety_stock, the ledger audit must pass, and 64 clients racing for 50 units
must win exactly 50. Any failure exits non-zero.
"""

from __future__ import annotations

import asyncio
import random
import sys
import tempfile
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import msgspec
import uvloop

from benchmarks import common, harness
from benchmarks.common import compiled
from benchmarks.harness import HttpClient, Operation, Sample, Scenario
from oms.inventory.ledger.holds import RESERVE_HOLD_LINE
from oms.inventory.services.holds import _RESOLVE_CODES

STORE = "BENCH-STORE"
HOT_PREFIX, HOT_ON_HAND, HOT_SAFETY = "BENCH-HOT-", 10_000_000, 5
HOT_SKU = HOT_PREFIX + "000001"  # what seed_skus names the first SKU
SPREAD_PREFIX, SPREAD_SKUS, SPREAD_ON_HAND = "BENCH-S", 10_000, 1_000_000
OVERSELL_AVAILABLE, OVERSELL_CLIENTS = 50, 64
ACTOR = "admin:bench-direct"

SCENARIOS = [
    Scenario("hot SKU", 1),
    Scenario("hot SKU", 8),
    Scenario("hot SKU", 32),
    Scenario("hot SKU", 64),
    Scenario("10k SKUs", 32),
    Scenario("10k SKUs", 64),
]


@dataclass
class World:
    url: str
    token: str
    spread: list[str]
    # Every successful reservation per SKU code, warm-up and stragglers included.
    tally: Counter[str]

    def picker(self, scenario: Scenario) -> Callable[[], str]:
        if scenario.name == "hot SKU":
            return lambda: HOT_SKU
        return lambda: random.choice(self.spread)


async def build_world(url: str) -> World:
    conn = await asyncpg.connect(**common.connect_kwargs(url))
    try:
        locations = await common.seed_locations(conn, [STORE])
        hot = await common.seed_skus(conn, HOT_PREFIX, 1)
        spread = await common.seed_skus(conn, SPREAD_PREFIX, SPREAD_SKUS)
        store_id = locations[STORE]
        await common.seed_stock(conn, list(hot.values()), [store_id], HOT_ON_HAND, HOT_SAFETY)
        await common.seed_stock(conn, list(spread.values()), [store_id], SPREAD_ON_HAND, 1)
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    return World(url, await common.admin_token(url), sorted(spread), Counter())


# ---- through the API ------------------------------------------------------------------------


def hold_body(sku: str) -> bytes:
    return msgspec.json.encode({"location": STORE, "lines": [{"sku": sku, "quantity": 1}]})


def api_operation(client: HttpClient, pick: Callable[[], str], tally: Counter[str]) -> Operation:
    async def reserve() -> bool:
        sku = pick()
        status, payload = await client.request("POST", "/holds", hold_body(sku))
        if status == 201:
            tally[sku] += 1
            return True
        if status == 409:
            return False
        raise RuntimeError(f"HTTP {status}: {payload[:200]!r}")

    return reserve


def api_clients(port: int, world: World, count: int) -> list[HttpClient]:
    headers = {"Authorization": f"Bearer {world.token}", "Content-Type": "application/json"}
    return [HttpClient(port, headers) for _ in range(count)]


# ---- straight to PostgreSQL: the service's own statements, one transaction each -------------


class Refused(Exception):
    """Not enough stock: leaves the transaction so it rolls back."""


class DirectSql:
    """``holds.create_hold`` for one single-unit line, minus Python: resolve the location and
    SKU codes, the reserve statement (which also writes the hold, its line and the ledger
    row), commit."""

    def __init__(self) -> None:
        self.resolve, self.resolve_order = compiled(_RESOLVE_CODES)
        self.reserve, self.reserve_order = compiled(RESERVE_HOLD_LINE)

    async def create_hold(self, conn: asyncpg.Connection, location: str, sku: str) -> bool:
        try:
            async with conn.transaction():
                names = {"location": location, "skus": [sku]}
                rows = await conn.fetch(self.resolve, *(names[k] for k in self.resolve_order))
                ids = {row["kind"]: row["id"] for row in rows}
                hold_id = uuid.uuid4()
                values: dict[str, Any] = {
                    "sku_id": ids["sku"],
                    "location_id": ids["location"],
                    "quantity": 1,
                    "hold_id": hold_id,
                    "ref_id": str(hold_id),
                    "actor": ACTOR,
                    "reference": None,
                    "expires_at": None,
                    "first_line": True,
                }
                row = await conn.fetchrow(self.reserve, *(values[k] for k in self.reserve_order))
                if not row["reserved"]:
                    raise Refused
        except Refused:
            return False
        return True


def direct_operation(
    sql: DirectSql, conn: asyncpg.Connection, pick: Callable[[], str], tally: Counter[str]
) -> Operation:
    async def reserve() -> bool:
        sku = pick()
        if await sql.create_hold(conn, STORE, sku):
            tally[sku] += 1
            return True
        return False

    return reserve


# ---- the runs -------------------------------------------------------------------------------


async def run_benchmark(world: World, data_dir: Path, args: Any) -> harness.Results:
    sql = DirectSql()

    async def api_run(api: harness.ApiProcess, scenario: Scenario) -> Sample:
        clients = api_clients(api.port, world, scenario.clients)
        pick = world.picker(scenario)
        try:
            ops = [api_operation(c, pick, world.tally) for c in clients]
            return await harness.drive(ops, args.seconds, args.warmup, args.max_requests)
        finally:
            await asyncio.gather(*(c.close() for c in clients))

    async def direct_run(scenario: Scenario) -> Sample:
        kwargs = common.connect_kwargs(world.url)
        conns = [await asyncpg.connect(**kwargs) for _ in range(scenario.clients)]
        pick = world.picker(scenario)
        try:
            ops = [direct_operation(sql, c, pick, world.tally) for c in conns]
            return await harness.drive(ops, args.seconds, args.warmup, args.max_requests)
        finally:
            await asyncio.gather(*(c.close() for c in conns))

    return await harness.compare(
        SCENARIOS,
        api_run,
        direct_run,
        url=world.url,
        data_dir=data_dir,
        repeat=args.repeat,
        warmup_and_seconds=args.warmup + args.seconds,
        profile_dir=args.profile,
        pool_size=args.api_pool_size,
        api_workers=args.api_workers,
    )


async def until_refused(operations: Sequence[Operation]) -> tuple[int, int, int]:
    """Each worker reserves until it is refused once; returns (successes, refusals, errors)."""
    counts = Counter[str]()

    async def worker(operation: Operation) -> None:
        for _ in range(OVERSELL_AVAILABLE + 10):  # nobody can win more than all of them
            try:
                if not await operation():
                    counts["refused"] += 1
                    return
                counts["ok"] += 1
            except Exception:  # counted; an error must not look like a success
                counts["errors"] += 1
                return

    await asyncio.wait_for(asyncio.gather(*(worker(op) for op in operations)), 120)
    return counts["ok"], counts["refused"], counts["errors"]


async def oversell(world: World, data_dir: Path) -> list[str]:
    """64 clients race for 50 units, once through the API and once straight to SQL."""
    problems: list[str] = []
    conn = await asyncpg.connect(**common.connect_kwargs(world.url))
    try:
        store_id = await conn.fetchval("SELECT id FROM location WHERE code = $1", STORE)
        skus = await common.seed_skus(conn, "BENCH-RACE-", 2)
        await common.seed_stock(conn, list(skus.values()), [store_id], OVERSELL_AVAILABLE + 2, 2)
    finally:
        await conn.close()
    api_sku, direct_sku = sorted(skus)
    async with harness.ApiProcess(world.url, data_dir, OVERSELL_CLIENTS) as api:
        clients = api_clients(api.port, world, OVERSELL_CLIENTS)
        ops = [api_operation(c, lambda: api_sku, world.tally) for c in clients]
        api_counts = await until_refused(ops)
        await asyncio.gather(*(c.close() for c in clients))
    kwargs = common.connect_kwargs(world.url)
    conns = [await asyncpg.connect(**kwargs) for _ in range(OVERSELL_CLIENTS)]
    sql = DirectSql()
    ops = [direct_operation(sql, c, lambda: direct_sku, world.tally) for c in conns]
    direct_counts = await until_refused(ops)
    await asyncio.gather(*(c.close() for c in conns))
    for side, (ok, refused, errors) in (("API", api_counts), ("direct", direct_counts)):
        print(
            f"  oversell race ({side}): {OVERSELL_CLIENTS} clients, {OVERSELL_AVAILABLE} units"
            f" available -> {ok} reserved, {refused} refused, {errors} errors"
        )
        if ok != OVERSELL_AVAILABLE or errors:
            problems.append(f"oversell race ({side}): {ok} successes, {errors} errors")
    return problems


async def verify(world: World) -> list[str]:
    """Each level's reserved equals the successes the clients saw; within on_hand - safety."""
    problems: list[str] = []
    conn = await asyncpg.connect(**common.connect_kwargs(world.url))
    try:
        rows = await conn.fetch(
            "SELECT s.code, l.on_hand, l.reserved, l.safety_stock FROM inventory_level l"
            " JOIN sku s ON s.id = l.sku_id"
        )
    finally:
        await conn.close()
    over = [r["code"] for r in rows if r["reserved"] > r["on_hand"] - r["safety_stock"]]
    miscounted = [r["code"] for r in rows if r["reserved"] != world.tally[r["code"]]]
    hot = next(r for r in rows if r["code"] == HOT_SKU)
    print(
        f"\n  hot SKU: reserved {hot['reserved']:,} == {world.tally[HOT_SKU]:,} successful holds,"
        f" on_hand {hot['on_hand']:,}, safety {hot['safety_stock']}"
    )
    print(
        f"  all {len(rows):,} levels: {len(miscounted)} with reserved != successes seen,"
        f" {len(over)} over on_hand - safety_stock;"
        f" {sum(world.tally.values()):,} reservations in total"
    )
    if over:
        problems.append(f"oversold levels: {over[:10]}")
    if miscounted:
        problems.append(f"reserved differs from successes for: {miscounted[:10]}")
    report = await common.audit(world.url)
    print(f"  ledger audit: ok={report.ok}, {report.movements:,} movements")
    if not report.ok:
        problems.append(f"audit: {report}")
    return problems


async def main_async(args: Any) -> int:
    with tempfile.TemporaryDirectory(prefix="oms-bench-reserve-") as tmp:
        async with common.bench_database(Path(tmp)) as url:
            world = await build_world(url)
            print(
                f"reservations: {args.seconds:g} s measured after {args.warmup:g} s warm-up,"
                f" {args.repeat} run(s) per scenario; API = separate uvicorn process",
                flush=True,
            )
            results = await run_benchmark(world, Path(tmp), args)
            problems = await oversell(world, Path(tmp))
            harness.print_comparison(
                "POST /holds vs the same transaction via asyncpg", "res/s", SCENARIOS, results
            )
            problems += await verify(world)
    for problem in problems:
        print(f"FAILED: {problem}", file=sys.stderr)
    return 1 if problems else 0


def main(argv: Sequence[str] | None = None) -> int:
    args = common.bench_arguments("Reservation throughput (POST /holds)", argv)
    return uvloop.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
