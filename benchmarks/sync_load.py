"""The two parts of the channel sync benchmark: convergence after a burst of stock changes
(part A) and order placement with and without sync running (part B)."""

from __future__ import annotations

import asyncio
import math
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import msgspec

from benchmarks import bench_orders, common, harness, sync_world
from benchmarks.harness import ApiProcess, HttpClient, Sample, Scenario
from benchmarks.sync_partners import PARTNERS, SHOPIFY, CallStats, PartnerProcess

CHANGED_SHARE, CHANGES_PER_SKU, BURST_CLIENTS = 0.10, 5, 16
POLL_SECONDS = 0.1
BURST_TIMEOUT_SECONDS = 180.0
CLIENTS = (8, 32)


@dataclass
class SyncWorld:
    orders: bench_orders.World
    channels: dict[str, int]  # partner -> channel id
    shop_location: str
    items: dict[str, str]  # sku code -> Shopify inventory item
    synced_skus: dict[str, int]  # part A's SKUs
    spread_skus: dict[str, int]  # bench_orders' 10,000 SKUs (part B)
    stocked_stores: list[str]


@dataclass
class ConvergenceResult:
    window: float
    listings: int = 0
    initial_seconds: dict[str, float] = field(default_factory=dict)
    burst_seconds: dict[str, float] = field(default_factory=dict)
    initial_stats: dict[str, CallStats] = field(default_factory=dict)
    burst_stats: dict[str, CallStats] = field(default_factory=dict)
    skus_changed: int = 0
    changes_ok: int = 0
    changes_refused: int = 0
    change_errors: int = 0
    first_error: str | None = None
    burst_seconds_taken: float = 0.0
    bucket_at_burst_end: float = 0.0
    shopify_points_after: int = 0
    shopify_floor_seconds: float = 0.0
    bound: str = ""
    push_log: dict[str, dict[str, int]] = field(default_factory=dict)


@dataclass
class PlacementResult:
    samples: dict[tuple[int, bool], list[Sample]] = field(default_factory=dict)
    pushed: dict[tuple[int, str], int] = field(default_factory=dict)
    backlog: dict[int, list[int]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def _connect(world: SyncWorld) -> Any:
    return asyncpg.connect(**common.connect_kwargs(world.orders.url))


# ---- part A -----------------------------------------------------------------------------------


async def _await_partners(
    conn: asyncpg.Connection, partners: PartnerProcess, since: float, limit: float, window: float
) -> dict[str, float]:
    """Seconds from ``since`` until each partner showed every expected quantity (the time of
    the last push it applied before that; 0 if it needed none; nan if it never did).
    Converged means: no mismatch and nothing pending, still so two windows later."""
    done: dict[str, float] = {}
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        wrong = await partners.mismatches()
        now = time.time()
        for partner in PARTNERS:
            if partner not in done and wrong[partner][0] == 0:
                last = (await partners.stats(since, now, window))[partner].last_at
                done[partner] = max(0.0, last - since) if not math.isnan(last) else 0.0
        if len(done) == len(PARTNERS) and not any(
            (await sync_world.pending_listings(conn)).values()
        ):
            await asyncio.sleep(2 * window)
            wrong = await partners.mismatches()
            pending = await sync_world.pending_listings(conn)
            if not any(n for n, _ in wrong.values()) and not any(pending.values()):
                return done
            done = {}  # something moved again: keep waiting
        await asyncio.sleep(POLL_SECONDS)
    wrong = await partners.mismatches()
    print(f"  not converged in {limit:.0f} s: {wrong}", flush=True)
    return {p: done.get(p, float("nan")) for p in PARTNERS}


def _change(world: SyncWorld, sku: str) -> tuple[str, bytes]:
    """One stock change of ``sku`` at one of its stores: a receipt, a negative adjustment
    or a hold (the last two are refused, 409, when the units are not there)."""
    store = random.choice(world.stocked_stores)
    kind = random.choices(("receipt", "adjustment", "hold"), (4, 3, 3))[0]
    if kind == "receipt":
        line = {"sku": sku, "quantity": random.randint(1, 4)}
        return "/inventory/receipts", msgspec.json.encode({"location": store, "lines": [line]})
    if kind == "adjustment":
        line = {"sku": sku, "delta": -random.randint(1, 3)}
        body = {"location": store, "reason": "shrinkage", "lines": [line]}
        return "/inventory/adjustments", msgspec.json.encode(body)
    line = {"sku": sku, "quantity": random.randint(1, 2)}
    return "/holds", msgspec.json.encode({"location": store, "lines": [line]})


async def _burst(api: ApiProcess, world: SyncWorld, result: ConvergenceResult) -> None:
    """``CHANGES_PER_SKU`` changes on each of ``CHANGED_SHARE`` of the SKUs, in random
    order, through the HTTP API from ``BURST_CLIENTS`` keep-alive clients."""
    chosen = random.sample(
        sorted(world.synced_skus), max(1, int(len(world.synced_skus) * CHANGED_SHARE))
    )
    changes = [_change(world, sku) for sku in chosen for _ in range(CHANGES_PER_SKU)]
    random.shuffle(changes)
    result.skus_changed = len(chosen)
    pending = iter(changes)
    headers = {"Authorization": f"Bearer {world.orders.token}", "Content-Type": "application/json"}

    async def client_loop(client: HttpClient) -> None:
        for path, body in pending:
            try:
                status, payload = await client.request("POST", path, body)
            except Exception as exc:
                status, payload = 0, repr(exc).encode()
            if status in (200, 201):
                result.changes_ok += 1
            elif status == 409:
                result.changes_refused += 1
            else:
                result.change_errors += 1
                result.first_error = result.first_error or f"{status} {payload[:200]!r}"

    clients = [HttpClient(api.port, headers) for _ in range(BURST_CLIENTS)]
    try:
        await asyncio.wait_for(
            asyncio.gather(*(client_loop(c) for c in clients)), BURST_TIMEOUT_SECONDS
        )
    finally:
        await asyncio.gather(*(c.close() for c in clients))


async def convergence(
    api: ApiProcess, world: SyncWorld, partners: PartnerProcess, *, window: float
) -> ConvergenceResult:
    result = ConvergenceResult(window=window, listings=len(world.synced_skus))
    conn = await _connect(world)
    try:
        started = time.time()
        await sync_world.add_listings(
            conn, world.channels, world.synced_skus, world.items, world.shop_location, synced=False
        )
        expected = await sync_world.expected_quantities(conn)
        for partner in PARTNERS:
            await partners.expect(partner, expected[partner])
        # The Shopify bucket allows ~100 quantities/s at 250 per call: ample for 10,000.
        timeout = 120.0 + len(world.synced_skus) * 0.03
        result.initial_seconds = await _await_partners(conn, partners, started, timeout, window)
        burst_began = time.time()
        result.initial_stats = await partners.stats(started, burst_began, window)
        print(f"  initial publish: {result.initial_seconds}", flush=True)

        await _burst(api, world, result)
        burst_ended = time.time()
        result.burst_seconds_taken = burst_ended - burst_began
        result.bucket_at_burst_end = await partners.bucket()
        expected = await sync_world.expected_quantities(conn)
        for partner in PARTNERS:
            await partners.expect(partner, expected[partner])
        result.burst_seconds = await _await_partners(conn, partners, burst_ended, 120.0, window)
        now = time.time()
        result.burst_stats = await partners.stats(burst_began, now, window)
        after = (await partners.stats(burst_ended, now, window))[SHOPIFY]
        result.push_log = await sync_world.push_log(conn, burst_began)
    finally:
        await conn.close()
    # What the partner's limit alone imposes on the pushes made after the burst: the points
    # they cost beyond what the bucket held, at the restore rate.
    result.shopify_points_after = after.points
    restore = partners.config.shopify_restore
    result.shopify_floor_seconds = max(0.0, after.points - result.bucket_at_burst_end) / restore
    taken = result.burst_seconds[SHOPIFY]
    if math.isnan(taken):
        result.bound = "not converged"
    elif taken <= result.shopify_floor_seconds + 1.0:
        result.bound = "the partner's limit bounds the time (within 1 s of the floor)"
    else:
        result.bound = (
            f"the service bounds it (tick + window + passes:"
            f" {taken - result.shopify_floor_seconds:.1f} s above the partner's floor)"
        )
    return result


# ---- part B -----------------------------------------------------------------------------------


async def _prepare(
    conn: asyncpg.Connection, world: SyncWorld, partners: PartnerProcess, sync: bool
) -> None:
    """No listing at all, or every order SKU listed on both channels and in step with the
    partners (what they show is what we last published)."""
    await sync_world.clear_listings(conn)
    if not sync:
        return
    await sync_world.add_listings(
        conn, world.channels, world.spread_skus, world.items, world.shop_location, synced=True
    )
    expected = await sync_world.expected_quantities(conn)
    await sync_world.mark_published(conn, expected)
    for partner in PARTNERS:
        await partners.seed(partner, expected[partner])
    await conn.execute("ANALYZE channel_listing")


async def _orders(
    api: ApiProcess, world: SyncWorld, clients: int, args: Any, profile: Path | None
) -> Sample:
    headers = {"Authorization": f"Bearer {world.orders.token}", "Content-Type": "application/json"}
    pool = [HttpClient(api.port, headers) for _ in range(clients)]
    scenario = Scenario(bench_orders.SPREAD, clients)
    cpu_before = api.cpu_seconds()
    try:
        ops = [bench_orders.api_operation(c, world.orders, scenario) for c in pool]
        async with harness.profiled(api.pid, profile, args.warmup + args.seconds):
            sample = await harness.drive(ops, args.seconds, args.warmup, args.max_requests)
    finally:
        await asyncio.gather(*(c.close() for c in pool))
    sample.server_cpu = api.cpu_seconds() - cpu_before
    return sample


async def placement(
    api: ApiProcess, world: SyncWorld, partners: PartnerProcess, args: Any, *, window: float
) -> PlacementResult:
    """Each client count with and without sync, ``args.repeat`` times, the order of the
    two flipping every time, in one API process."""
    result = PlacementResult()
    conn = await _connect(world)
    try:
        turn = 0
        for rep in range(args.repeat):
            for clients in CLIENTS:
                turn += 1
                for sync in (False, True) if turn % 2 else (True, False):
                    await _prepare(conn, world, partners, sync)
                    began = time.time()
                    profile = None
                    if args.profile is not None and rep == 0:
                        name = f"orders-{'sync' if sync else 'no-sync'}-x{clients}.txt"
                        profile = args.profile / name
                    sample = await _orders(api, world, clients, args, profile)
                    ended = time.time()
                    result.samples.setdefault((clients, sync), []).append(sample)
                    note = ""
                    if sync:
                        stats = await partners.stats(began, ended, window)
                        backlog = sum((await sync_world.pending_listings(conn)).values())
                        result.backlog.setdefault(clients, []).append(backlog)
                        for partner in PARTNERS:
                            key = (clients, partner)
                            result.pushed[key] = (
                                result.pushed.get(key, 0) + stats[partner].quantities
                            )
                        note = (
                            "  pushed "
                            + ", ".join(
                                f"{p} {stats[p].quantities} in {stats[p].calls} calls"
                                f" ({stats[p].throttled} throttled)"
                                for p in PARTNERS
                            )
                            + f"; pending after {backlog}"
                        )
                    errors = (
                        f"  errors {sample.errors} ({sample.first_error})" if sample.errors else ""
                    )
                    print(
                        f"  run {rep + 1} {'sync' if sync else 'no sync':<8} x{clients:<3}"
                        f" {sample.rate:7,.0f}/s  p50 {sample.ms(50):6.1f} ms  p99"
                        f" {sample.ms(99):6.1f} ms  CPU {sample.cpu_ms:.2f} ms/order{errors}{note}",
                        flush=True,
                    )
                    if sample.errors:
                        result.problems.append(
                            f"placement x{clients} sync={sync}: {sample.errors} errors"
                            f" ({sample.first_error})"
                        )
        await sync_world.clear_listings(conn)
    finally:
        await conn.close()
    return result
