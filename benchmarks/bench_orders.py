"""Order placement throughput: ``POST /orders`` through the real service, against the same
transaction sent straight to PostgreSQL with asyncpg, then proof that nothing was oversold.

    .venv/bin/python -m benchmarks.bench_orders [--quick] [--seconds 5] [--repeat 3]
        [--api-pool-size N] [--profile DIR]   (--profile needs py-spy on PATH)

Every request is a new order (new external id) of 1-3 lines for a customer out of a pool
of 1,000 known ones: about 60% ship to a random address around Greater Manchester, 40%
are collected from a random store. Scenarios: 4 hot SKUs stocked at all 8 stores (every
order fights for the same few rows), and a random SKU mix out of 10,000, at 8-64
clients. The baseline sends the service's own statements in one transaction (one read of
codes, duplicate, customer profile and candidates; savepoint; the write statement;
commit; the channel policy cached, as the service does) and calls the same pure routing
engine to build the write, so routing is part of both sides. After each SKU set: no level
reserved beyond on_hand - safety_stock or below zero, every level's reserved equals its
active holds, and the ledger audit passes. Any
failure exits non-zero.
"""

from __future__ import annotations

import asyncio
import random
import sys
import tempfile
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import msgspec
import uvloop

from benchmarks import common, harness
from benchmarks.harness import HttpClient, Operation, Sample, Scenario
from benchmarks.orders_direct import CHANNEL, PRICE, DirectSql, Order, delivery

# Stores around Greater Manchester (code, lat, lon); capacity high enough never to bind.
STORES = [
    ("BENCH-MAN", 53.4808, -2.2426),
    ("BENCH-SAL", 53.4875, -2.2901),
    ("BENCH-STO", 53.4106, -2.1575),
    ("BENCH-OLD", 53.5409, -2.1114),
    ("BENCH-BOL", 53.5769, -2.4282),
    ("BENCH-BUR", 53.5933, -2.2966),
    ("BENCH-ROC", 53.6097, -2.1561),
    ("BENCH-WIG", 53.5450, -2.6325),
]
CENTRE, SPREAD_DEG = (53.50, -2.30), 0.15
HOT_PREFIX, HOT_SKUS, HOT_ON_HAND, HOT_SAFETY = "BENCH-HOT-", 4, 50_000_000, 5
SPREAD_PREFIX, SPREAD_SKUS, SPREAD_ON_HAND = "BENCH-S", 10_000, 1_000_000
CUSTOMERS, PICKUP_SHARE = 1_000, 0.4
HOT, SPREAD = "hot SKUs", "10k SKUs"
SETS = {name: [Scenario(name, n) for n in (8, 32, 64)] for name in (HOT, SPREAD)}


@dataclass
class World:
    url: str
    token: str
    skus: dict[str, list[str]]  # scenario name -> SKU codes
    emails: list[str]

    def order(self, scenario: Scenario) -> Order:
        codes = self.skus[scenario.name]
        lines = [
            (code, random.randint(1, 2)) for code in random.sample(codes, random.randint(1, 3))
        ]
        pickup = random.choice(STORES)[0] if random.random() < PICKUP_SHARE else None
        return Order(
            external_id=f"BENCH-{uuid.uuid4().hex}",
            email=random.choice(self.emails),
            lines=lines,
            pickup=pickup,
            lat=CENTRE[0] + random.uniform(-SPREAD_DEG, SPREAD_DEG),
            lon=CENTRE[1] + random.uniform(-SPREAD_DEG, SPREAD_DEG),
        )


async def build_world(url: str) -> World:
    conn = await asyncpg.connect(**common.connect_kwargs(url))
    try:
        rows = await conn.fetch(
            """
            INSERT INTO location (code, name, kind, address, lat, lon, timezone, opening_hours,
                                  capabilities, daily_capacity, priority)
            SELECT code, 'Bench store ' || code, 'store', '{"city": "Manchester"}'::jsonb,
                   lat, lon, 'Europe/London', '{}'::jsonb,
                   ARRAY['pickup', 'ship_from', 'walk_in'], 1000000000, 100
              FROM unnest($1::text[], $2::float8[], $3::float8[]) AS t(code, lat, lon)
            RETURNING id
            """,
            [s[0] for s in STORES],
            [s[1] for s in STORES],
            [s[2] for s in STORES],
        )
        stores = [row["id"] for row in rows]
        hot = await common.seed_skus(conn, HOT_PREFIX, HOT_SKUS)
        spread = await common.seed_skus(conn, SPREAD_PREFIX, SPREAD_SKUS)
        await common.seed_stock(conn, list(hot.values()), stores, HOT_ON_HAND, HOT_SAFETY)
        await common.seed_stock(conn, list(spread.values()), stores, SPREAD_ON_HAND, 1)
        await conn.execute(
            "INSERT INTO channel (code, name, kind, currency)"
            " VALUES ($1, 'Bench web', 'web', 'GBP')",
            CHANNEL,
        )
        emails = [f"bench-customer-{n:04d}@example.com" for n in range(CUSTOMERS)]
        await conn.execute(
            """
            INSERT INTO customer (id, name, name_key, email, email_key)
            SELECT gen_random_uuid(), 'Bench Customer', 'bench customer', e, e
              FROM unnest($1::text[]) AS e
            """,
            emails,
        )
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    skus = {HOT: sorted(hot), SPREAD: sorted(spread)}
    return World(url, await common.admin_token(url), skus, emails)


# ---- through the API ------------------------------------------------------------------------


def order_body(order: Order) -> bytes:
    return msgspec.json.encode(
        {
            "channel": CHANNEL,
            "external_id": order.external_id,
            "customer": {"name": "Bench Customer", "email": order.email},
            "lines": [
                {"sku": sku, "quantity": q, "unit_price": PRICE, "currency": "GBP"}
                for sku, q in order.lines
            ],
            "deliveries": [delivery(order)],
        }
    )


def api_operation(client: HttpClient, world: World, scenario: Scenario) -> Operation:
    async def place() -> bool:
        status, payload = await client.request("POST", "/orders", order_body(world.order(scenario)))
        if status == 201:
            return True
        if status == 409:
            return False
        raise RuntimeError(f"HTTP {status}: {payload[:200]!r}")

    return place


def direct_operation(
    sql: DirectSql, conn: asyncpg.Connection, world: World, scenario: Scenario
) -> Operation:
    async def place() -> bool:
        return await sql.place(conn, world.order(scenario))

    return place


# ---- the runs -------------------------------------------------------------------------------


async def run_set(world: World, data_dir: Path, args: Any, name: str) -> harness.Results:
    conn = await asyncpg.connect(**common.connect_kwargs(world.url))
    try:
        sql = DirectSql(await conn.fetchval("SELECT id FROM channel WHERE code = $1", CHANNEL))
    finally:
        await conn.close()

    async def api_run(api: harness.ApiProcess, scenario: Scenario) -> Sample:
        headers = {"Authorization": f"Bearer {world.token}", "Content-Type": "application/json"}
        clients = [HttpClient(api.port, headers) for _ in range(scenario.clients)]
        try:
            ops = [api_operation(c, world, scenario) for c in clients]
            return await harness.drive(ops, args.seconds, args.warmup, args.max_requests)
        finally:
            await asyncio.gather(*(c.close() for c in clients))

    async def direct_run(scenario: Scenario) -> Sample:
        kwargs = common.connect_kwargs(world.url)
        conns = [await asyncpg.connect(**kwargs) for _ in range(scenario.clients)]
        try:
            ops = [direct_operation(sql, c, world, scenario) for c in conns]
            return await harness.drive(ops, args.seconds, args.warmup, args.max_requests)
        finally:
            await asyncio.gather(*(c.close() for c in conns))

    return await harness.compare(
        SETS[name],
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


async def verify(world: World, name: str) -> list[str]:
    """No level oversold or negative, each level's reserved equals its active holds, and
    the ledger audit passes."""
    conn = await asyncpg.connect(**common.connect_kwargs(world.url))
    try:
        over = await conn.fetchval(
            "SELECT count(*) FROM inventory_level"
            " WHERE reserved > on_hand - safety_stock OR reserved < 0"
        )
        unheld = await conn.fetchval(
            """
            SELECT count(*) FROM inventory_level l
              LEFT JOIN (SELECT hl.location_id, hl.sku_id, sum(hl.quantity) AS held
                           FROM hold_line hl JOIN hold h ON h.id = hl.hold_id
                          WHERE h.status = 'active' GROUP BY 1, 2) x
                     ON x.location_id = l.location_id AND x.sku_id = l.sku_id
             WHERE l.reserved <> coalesce(x.held, 0)
            """
        )
        orders, units = await conn.fetchrow(
            "SELECT count(DISTINCT order_id), coalesce(sum(quantity), 0) FROM order_line"
        )
    finally:
        await conn.close()
    report = await common.audit(world.url)
    ok = over == 0 and unheld == 0 and report.ok
    print(
        f"\n  after {name}: {orders:,} orders, {units:,} units reserved so far;"
        f" oversold/negative levels {over}, levels with reserved != active holds {unheld},"
        f" ledger audit ok={report.ok} ({report.movements:,} movements)"
        f" -> {'ok' if ok else 'FAIL'}",
        flush=True,
    )
    problems = [f"{name}: {over} levels oversold or negative"] if over else []
    if unheld:
        problems.append(f"{name}: {unheld} levels whose reserved differs from active holds")
    if not report.ok:
        problems.append(f"{name}: audit: {report}")
    return problems


async def main_async(args: Any) -> int:
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="oms-bench-orders-") as tmp:
        async with common.bench_database(Path(tmp)) as url:
            world = await build_world(url)
            print(
                f"order placement: {args.seconds:g} s measured after {args.warmup:g} s warm-up,"
                f" {args.repeat} run(s) per scenario; API = separate uvicorn process",
                flush=True,
            )
            results: harness.Results = {}
            for name in SETS:
                results.update(await run_set(world, Path(tmp), args, name))
                problems += await verify(world, name)
            scenarios = [s for name in SETS for s in SETS[name]]
            harness.print_comparison(
                "POST /orders vs the same transaction via asyncpg",
                "orders/s",
                scenarios,
                results,
                baseline="direct",
            )
            print(
                "  direct = the service's statements (one read of codes, duplicate, customer and"
                " candidates; savepoint;\n  write; commit; channel policy cached) via raw"
                " asyncpg, with the same pure"
                " routing engine (oms.domain.routing.plan) and planning helpers\n"
                "  (fulfilments_for, plan_rows) building the write; orders of 1-3 lines,"
                f" ~{PICKUP_SHARE:.0%} pickup, {CUSTOMERS:,} known customers.\n"
                "  Target: >= 500 orders/s at 8-32 clients; p99 < 100 ms on hot SKUs at 32.",
                flush=True,
            )
    for problem in problems:
        print(f"FAILED: {problem}", file=sys.stderr)
    return 1 if problems else 0


def main(argv: Sequence[str] | None = None) -> int:
    args = common.bench_arguments("Order placement throughput (POST /orders)", argv)
    return uvloop.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
