"""Channel sync: how fast every partner shows the right quantity after a burst of stock
changes, within the partners' limits, and what sync running costs order placement.

    .venv/bin/python -m benchmarks.bench_sync [--quick] [--seconds 5] [--repeat 3]
        [--skus 10000] [--api-pool-size N] [--profile DIR]   (--profile needs py-spy on PATH)

The service runs as a real process (uvicorn) in embedded mode: jobs in-process, the sync
dispatcher ticking every 0.5 s, a listing pushed at most once per 1 s window, as shipped.
The partners are the fake Shopify (GraphQL; its cost bucket set to the Standard plan: 1,000
points, 100 restored per second; ``inventorySetQuantities`` costs 10 points plus 1 per
quantity, at most 250 quantities per call) and the fake Standard Webhooks receiver (at most
100 quantities per message), both on 127.0.0.1 in a process of their own.

Part A, convergence: ``--skus`` SKUs stocked at 4 stores, listed on both channels (one
network quantity each, written with SQL in bulk). The initial publish is timed, then a
burst of 5 stock changes on each of 10% of the SKUs goes through the HTTP API (receipts,
negative adjustments and holds, in random order, 16 clients). Measured: seconds from the
burst's last answer until each partner shows, for every listing, exactly the quantity
worked out here from ``inventory_level`` and the channel's policy; quantities pushed
against changes made; calls, throttled calls and points against the partner's limit; the
largest batch; and, from the partners' own logs, the shortest time between two pushes of
one listing (at most one push per listing per window).

Part B, placement with sync running: ``POST /orders`` (bench_orders' generator, 10,000
SKUs) at 8 and 32 clients with (1) no listing at all and (2) every SKU listed on both
channels with sync pushing meanwhile (each such run starts with the listings in step with
the partners), interleaved and repeated; medians and their ratio, and the API process's
CPU per order (in embedded mode it runs the sync passes too). Part C repeats part B in a
second API process whose dispatcher never ticks: each order's statement still writes the
stock gate's signals for its listed SKUs, but nothing folds or pushes them, which is the
hot path's own cost, wherever the passes run. ``--profile DIR`` records the API process
during the first run of each case. Ends with the oversell checks and the ledger audit of
the other benchmarks. Any failed check exits non-zero.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import uvloop

from benchmarks import bench_orders, common, harness, sync_load, sync_world
from benchmarks.sync_partners import SHOPIFY, WEBHOOK, PartnerConfig, PartnerProcess
from oms.config import Settings

SYNC_PREFIX, STOCKED_STORES = "BENCH-Y", 4
# Shopify Standard plan (GraphQL Admin API): a 1,000-point bucket restored at 100 points/s.
SHOPIFY_BUCKET, SHOPIFY_RESTORE = 1_000.0, 100.0
SHOPIFY_BATCH, WEBHOOK_BATCH = 250, 100
TARGET_SECONDS, TARGET_RATIO = 2.0, 0.9


def arguments(argv: Sequence[str] | None) -> Any:
    """The common benchmark options, plus ``--skus`` (listed SKUs in part A)."""
    own = argparse.ArgumentParser(add_help=False)
    own.add_argument("--skus", type=int, default=None)
    known, rest = own.parse_known_args(argv)
    args = common.bench_arguments(
        "Channel sync: convergence after a burst, and its cost to placement"
        " (--skus N: SKUs listed in part A, default 10,000, quick 2,000)",
        rest,
    )
    args.skus = known.skus or (2_000 if args.quick else 10_000)
    return args


async def build(url: str, partners: PartnerProcess, skus: int) -> sync_load.SyncWorld:
    """bench_orders' world (8 stores, 10,000 order SKUs, customers) plus ``skus`` SKUs with
    varied stock at 4 stores, the fake shop's catalogue and the two synced channels."""
    orders = await bench_orders.build_world(url)
    conn = await asyncpg.connect(**common.connect_kwargs(url))
    try:
        stores = {r["code"]: r["id"] for r in await conn.fetch("SELECT code, id FROM location")}
        codes = [code for code, _, _ in bench_orders.STORES]
        synced = await common.seed_skus(conn, SYNC_PREFIX, skus)
        stocked = [stores[c] for c in codes[:STOCKED_STORES]]
        await sync_world.seed_varied_stock(conn, list(synced.values()), stocked)
        spread = {
            r["code"]: r["id"]
            for r in await conn.fetch(
                "SELECT code, id FROM sku WHERE code LIKE $1", bench_orders.SPREAD_PREFIX + "%"
            )
        }
        locations, items = await partners.shopify_catalogue(
            ["Online store"], sorted(synced) + sorted(spread)
        )
        feeds = [stores[c] for c in codes[: sync_world.SHOP_FEED_STORES]]
        channels = await sync_world.create_channels(conn, partners.urls, locations[0], feeds)
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    return sync_load.SyncWorld(
        orders=orders,
        channels=channels,
        shop_location=locations[0],
        items=items,
        synced_skus=synced,
        spread_skus=spread,
        stocked_stores=codes[:STOCKED_STORES],
    )


def print_convergence(a: sync_load.ConvergenceResult) -> None:
    rows = []
    for partner, limit in ((SHOPIFY, SHOPIFY_BATCH), (WEBHOOK, WEBHOOK_BATCH)):
        initial, burst = a.initial_stats[partner], a.burst_stats[partner]
        rows.append(
            [
                partner,
                a.initial_seconds[partner],
                a.burst_seconds[partner],
                burst.calls,
                burst.throttled,
                burst.points if partner == SHOPIFY else "-",
                burst.quantities,
                burst.items,
                f"{burst.max_batch}/{limit}",
                f"{min(initial.min_gap, burst.min_gap):.2f}",
                initial.close_pushes + burst.close_pushes,
            ]
        )
    print_table = common.print_table
    print_table(
        f"Part A: {a.listings:,} listings per channel; burst of {a.changes_ok:,} changes"
        f" ({a.changes_refused} refused) on {a.skus_changed:,} SKUs"
        f" in {a.burst_seconds_taken:.1f} s",
        ["partner", "initial s", "after burst s", "calls", "throttled", "points",
         "quantities", "listings", "max batch", "min gap s", "gaps < window"],
        rows,
    )  # fmt: skip
    print(
        f"  initial publish: {a.initial_stats[SHOPIFY].calls} Shopify calls"
        f" ({a.initial_stats[SHOPIFY].throttled} throttled, {a.initial_stats[SHOPIFY].points:,}"
        f" points), {a.initial_stats[WEBHOOK].calls} webhook messages.\n"
        f"  after the burst: Shopify bucket held {a.bucket_at_burst_end:.0f} points at the"
        f" burst's end; pushing what was left took {a.shopify_points_after:,} points, i.e. at"
        f" least {a.shopify_floor_seconds:.2f} s at {SHOPIFY_RESTORE:g} points/s"
        f" -> {a.bound}.\n"
        f"  changes: {a.changes_ok:,} applied to {a.skus_changed:,} SKUs"
        f" ({a.changes_ok / max(a.skus_changed, 1):.1f} per listing);"
        f" pushed per changed listing: Shopify"
        f" {a.burst_stats[SHOPIFY].quantities / max(a.burst_stats[SHOPIFY].items, 1):.1f},"
        f" webhook {a.burst_stats[WEBHOOK].quantities / max(a.burst_stats[WEBHOOK].items, 1):.1f}"
        f" (at most one per {a.window:g} s window).\n"
        f"  channel_push since the burst began: {a.push_log}",
        flush=True,
    )


def print_placement(b: sync_load.PlacementResult, part: str, passes: bool) -> None:
    rows = []
    for clients in sync_load.CLIENTS:
        off, on = b.samples[(clients, False)], b.samples[(clients, True)]
        off_rate = common.median([s.rate for s in off])
        on_rate = common.median([s.rate for s in on])
        rows.append(
            [
                clients,
                off_rate,
                common.median([s.ms(50) for s in off]),
                common.median([s.ms(99) for s in off]),
                on_rate,
                common.median([s.ms(50) for s in on]),
                common.median([s.ms(99) for s in on]),
                f"{on_rate / off_rate:.2f}" if off_rate else "-",
                common.median([s.cpu_ms for s in off]),
                common.median([s.cpu_ms for s in on]),
                sum(b.pushed[(clients, p)] for p in (SHOPIFY, WEBHOOK)),
                max(b.backlog[clients]) if b.backlog[clients] else 0,
                sum(s.errors for s in off + on),
            ]
        )
    runs = len(next(iter(b.samples.values())))
    common.print_table(
        f"Part {part}: POST /orders, 10,000 SKUs, without and with"
        f" {'sync' if passes else 'listings, no pass running'} (median of {runs} run(s))",
        ["clients", "no sync/s", "p50 ms", "p99 ms", "sync/s", "p50 ms", "p99 ms",
         "ratio", "CPU ms/order", "with sync", "quantities pushed", "max backlog", "errors"],
        rows,
    )  # fmt: skip
    what = (
        "the dispatcher and passes pushing what orders change"
        if passes
        else "no pass running (the dispatcher's tick is an hour): what the hot path alone costs,"
        "\n  the stock gate's signals written by the order's own statement"
    )
    print(
        "  no sync: no listing at all (the stock gate signals nothing); with: every SKU listed"
        f" on both channels,\n  listings in step at the start of each run, {what}.\n"
        "  quantities pushed: applied at the partners during the runs with listings; backlog:"
        " listings pending at the end\n  of a run; CPU: the API process's CPU time per order"
        " (in embedded mode it also runs the sync passes).\n"
        f"  Target: ratio >= {TARGET_RATIO}.",
        flush=True,
    )


def checks(a: sync_load.ConvergenceResult) -> list[str]:
    problems = []
    for partner, limit in ((SHOPIFY, SHOPIFY_BATCH), (WEBHOOK, WEBHOOK_BATCH)):
        for label, stats in (("initial", a.initial_stats), ("burst", a.burst_stats)):
            if stats[partner].max_batch > limit:
                problems.append(f"{partner} {label}: a call carried {stats[partner].max_batch}")
            if stats[partner].close_pushes:
                problems.append(
                    f"{partner} {label}: {stats[partner].close_pushes} pushes of a listing"
                    f" within {a.window:g} s of its previous one"
                )
            if stats[partner].failed:
                problems.append(f"{partner} {label}: {stats[partner].failed} failed calls")
        for label, seconds in (("initial", a.initial_seconds), ("burst", a.burst_seconds)):
            if math.isnan(seconds[partner]):
                problems.append(f"{partner}: never showed every expected quantity ({label})")
    if a.change_errors:
        problems.append(f"burst: {a.change_errors} requests failed ({a.first_error})")
    return problems


async def main_async(args: Any) -> int:
    problems: list[str] = []
    secrets = sync_world.new_secrets()
    config = PartnerConfig(
        webhook_secret=secrets[sync_world.WEBHOOK_SECRET_ENV],
        shopify_token=secrets[sync_world.SHOPIFY_TOKEN_ENV],
        shopify_bucket=SHOPIFY_BUCKET,
        shopify_restore=SHOPIFY_RESTORE,
    )
    settings = Settings()
    timing = {
        "OMS_SYNC_TICK_SECONDS": str(settings.sync_tick_seconds),
        "OMS_SYNC_WINDOW_SECONDS": str(settings.sync_window_seconds),
    }
    with tempfile.TemporaryDirectory(prefix="oms-bench-sync-") as tmp:
        async with common.bench_database(Path(tmp)) as url, PartnerProcess(config) as partners:
            world = await build(url, partners, args.skus)
            pool = args.api_pool_size or settings.db_pool_size
            api = harness.ApiProcess(url, Path(tmp), pool, workers=args.api_workers)
            api.env.update(timing | secrets)
            print(
                f"channel sync: {args.skus:,} SKUs on 2 channels; tick"
                f" {settings.sync_tick_seconds:g} s, window {settings.sync_window_seconds:g} s;"
                f" Shopify bucket {SHOPIFY_BUCKET:,.0f} points, {SHOPIFY_RESTORE:g}/s;"
                " API = separate uvicorn process with jobs in-process",
                flush=True,
            )
            async with api:
                convergence = await sync_load.convergence(
                    api, world, partners, window=settings.sync_window_seconds
                )
                print_convergence(convergence)
                problems += checks(convergence)
                problems += await bench_orders.verify(world.orders, "part A")
                placement = await sync_load.placement(
                    api, world, partners, args, window=settings.sync_window_seconds
                )
            print_placement(placement, "B", passes=True)
            problems += await bench_orders.verify(world.orders, "part B")
            problems += placement.problems
            # Part C: the same runs with passes kept out of the process, which is what the
            # hot path costs wherever the passes run (an ``oms worker`` on another core).
            hot_path = harness.ApiProcess(url, Path(tmp), pool, workers=args.api_workers)
            hot_path.env.update(timing | secrets | {"OMS_SYNC_TICK_SECONDS": "3600"})
            async with hot_path:
                placement = await sync_load.placement(
                    hot_path, world, partners, args, window=settings.sync_window_seconds
                )
            print_placement(placement, "C", passes=False)
            problems += await bench_orders.verify(world.orders, "part C")
            problems += placement.problems
    for problem in problems:
        print(f"FAILED: {problem}", file=sys.stderr)
    return 1 if problems else 0


def main(argv: Sequence[str] | None = None) -> int:
    args = arguments(argv)
    random.seed()
    started = time.monotonic()
    code = uvloop.run(main_async(args))
    print(f"\n  bench_sync took {time.monotonic() - started:.0f} s", flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
