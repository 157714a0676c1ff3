"""The associate's stock look-up page and the customer's tracking page, each against the
JSON route that serves the same data, in the same run: requests per second, p50/p99,
bytes per answer and the server's CPU per request at 8 and 32 keep-alive clients.

    .venv/bin/python -m benchmarks.bench_pages [--quick] [--seconds 5] [--repeat 3]
        [--profile DIR]   (--profile needs py-spy on PATH)

Pairs (each request a random SKU, or a random order's tracking token):

- ``GET /app/stock?q=<SKU>`` with an associate's session cookie (signed in once, through
  the sign-in form) against ``GET /stock/<SKU>?location=<the associate's store>`` with an
  admin token: the same service call;
- ``GET /track/<token>`` asking for ``text/html`` against the same route asking for
  ``application/json``.

Every repetition starts a fresh API process and runs every pair at each client count, page
and JSON back to back (which goes first flips every repetition); the table shows medians.
Every answer must be 200, and every 16th is read: the page must be HTML showing the SKU's
available figure at the store, or the order's number; the JSON must carry the same figure
or number. Any failure exits non-zero. The target is pages at 0.7 x the JSON's rate or
better; missing it is reported, not failed.
"""

from __future__ import annotations

import asyncio
import random
import re
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec
import uvloop

from benchmarks import common, harness, pages_world
from benchmarks.harness import HttpClient, Operation, Sample
from benchmarks.pages_world import World
from oms.config import Settings

CLIENTS = (8, 32)
STOCK, TRACKING = "stock look-up", "tracking"
PAGE, JSON = "page", "JSON"
TARGET = 0.7
CHECK_EVERY = 16  # answers; reading each one would load the client more than the server
ROUTES = {
    (STOCK, PAGE): "GET /app/stock?q=",
    (STOCK, JSON): "GET /stock/{sku}?location=",
    (TRACKING, PAGE): "GET /track/{token} (html)",
    (TRACKING, JSON): "GET /track/{token} (json)",
}

Check = Callable[[bytes], None]  # raises when an answer is not what was asked for


@dataclass
class Tally:
    """Answers and their bytes, counted by one run's operations."""

    answers: int = 0
    size: int = 0

    def add(self, payload: bytes) -> bool:
        """Count ``payload``; True when this one is to be read."""
        self.answers += 1
        self.size += len(payload)
        return self.answers % CHECK_EVERY == 1

    @property
    def bytes_per_answer(self) -> float:
        return self.size / self.answers if self.answers else float("nan")


@dataclass
class Measured:
    samples: list[Sample] = field(default_factory=list)
    sizes: list[float] = field(default_factory=list)


# ---- what each side asks and how its answer is checked ---------------------------------------


def _figure_shown(html: bytes, figure: int) -> bool:
    """The figure as a whole text node (``>123<``), plain or grouped by Babel."""
    return re.search(rb">\s*%d\s*<" % figure, html) is not None


def _is_html(payload: bytes) -> bool:
    return payload.lstrip()[:15].lower().startswith((b"<!doctype html", b"<html"))


def stock_request(side: str) -> tuple[str, Check]:
    n = random.randint(1, pages_world.LOOKUP_SKUS)
    sku = pages_world.sku_code(n)
    figure = pages_world.available(n, 1)

    def page(payload: bytes) -> None:
        if (
            not _is_html(payload)
            or sku.encode() not in payload
            or not _figure_shown(payload, figure)
        ):
            raise RuntimeError(
                f"{sku}: the page does not show {figure} available: {payload[:200]!r}"
            )

    def json(payload: bytes) -> None:
        here = msgspec.json.decode(payload).get("here") or {}
        if here.get("available") != figure:
            raise RuntimeError(f"{sku}: {here.get('available')} available, not {figure}")

    if side == PAGE:
        return f"/app/stock?q={sku}", page
    return f"/stock/{sku}?location={pages_world.HOME_STORE}", json


def tracking_request(world: World, side: str) -> tuple[str, Check]:
    order = random.choice(world.orders)

    def page(payload: bytes) -> None:
        if not _is_html(payload) or str(order.number).encode() not in payload:
            raise RuntimeError(f"order {order.number}: not on the page: {payload[:200]!r}")

    def json(payload: bytes) -> None:
        if msgspec.json.decode(payload).get("number") != order.number:
            raise RuntimeError(f"order {order.number}: another document: {payload[:200]!r}")

    return f"/track/{order.token}", page if side == PAGE else json


def headers_for(world: World, pair: str, side: str) -> dict[str, str]:
    if pair == TRACKING:
        return {"Accept": "text/html" if side == PAGE else "application/json"}
    if side == PAGE:
        return {"Cookie": world.session_cookie, "Accept": "text/html"}
    return {"Authorization": f"Bearer {world.admin_token}"}


def operation(client: HttpClient, world: World, pair: str, side: str, tally: Tally) -> Operation:
    async def ask() -> bool:
        if pair == STOCK:
            path, check = stock_request(side)
        else:
            path, check = tracking_request(world, side)
        status, payload = await client.request("GET", path)
        if status != 200:
            raise RuntimeError(f"{path}: HTTP {status}: {payload[:200]!r}")
        if tally.add(payload):
            check(payload)
        return True

    return ask


# ---- the runs -------------------------------------------------------------------------------


async def check_each_side(world: World, port: int) -> None:
    """One answer of each kind read in full before any load, so a broken page fails at
    once rather than after minutes of fast errors."""
    for pair in (STOCK, TRACKING):
        for side in (PAGE, JSON):
            client = HttpClient(port, headers_for(world, pair, side))
            try:
                ok = await operation(client, world, pair, side, Tally())()
            finally:
                await client.close()
            assert ok


async def run_one(
    api: harness.ApiProcess, world: World, pair: str, side: str, clients: int, args: Any
) -> tuple[Sample, float]:
    tally = Tally()
    connections = [HttpClient(api.port, headers_for(world, pair, side)) for _ in range(clients)]
    out = None
    if args.profile is not None and args.rep == 0:
        out = args.profile / f"{pair.replace(' ', '-')}-{side}-x{clients}.txt"
    cpu_before = api.cpu_seconds()
    try:
        ops = [operation(c, world, pair, side, tally) for c in connections]
        async with harness.profiled(api.pid, out, args.warmup + args.seconds):
            sample = await harness.drive(ops, args.seconds, args.warmup, args.max_requests)
    finally:
        await asyncio.gather(*(c.close() for c in connections))
    sample.server_cpu = api.cpu_seconds() - cpu_before
    return sample, tally.bytes_per_answer


async def run_benchmark(
    world: World, data_dir: Path, args: Any
) -> dict[tuple[str, str, int], Measured]:
    results: dict[tuple[str, str, int], Measured] = {}
    pool_size = args.api_pool_size or Settings().db_pool_size
    for rep in range(args.repeat):
        args.rep = rep
        sides = (PAGE, JSON) if rep % 2 == 0 else (JSON, PAGE)
        async with harness.ApiProcess(world.url, data_dir, pool_size, args.api_workers) as api:
            if not world.orders:
                await pages_world.place_orders(world, api.port)
                await pages_world.sign_in(world, api.port)
            await check_each_side(world, api.port)
            for clients in CLIENTS:
                for pair in (STOCK, TRACKING):
                    for side in sides:
                        sample, size = await run_one(api, world, pair, side, clients, args)
                        measured = results.setdefault((pair, side, clients), Measured())
                        measured.samples.append(sample)
                        measured.sizes.append(size)
                        errors = (
                            f"  errors {sample.errors} ({sample.first_error})"
                            if sample.errors
                            else ""
                        )
                        print(
                            f"  run {rep + 1} {pair:<14} {side:<4} x{clients:<3}"
                            f" {sample.rate:7,.0f}/s  p50 {sample.ms(50):6.2f} ms"
                            f"  p99 {sample.ms(99):7.2f} ms  CPU {sample.cpu_ms:.2f} ms/req"
                            f"  {size:,.0f} B{errors}",
                            flush=True,
                        )
    return results


def paired_ratio(page: Sequence[Sample], json: Sequence[Sample], measure: str) -> float:
    """The median over repetitions of page ÷ JSON from the same repetition (run back to
    back, so a burst of other load on the machine hits one repetition's pair, not one side).
    ``measure``: "rate" (throughput), or "cpu" (JSON's CPU per request over the page's: the
    throughput ratio to expect where the server's CPU is the limit, far steadier)."""
    ratios = []
    for p, j in zip(page, json, strict=True):
        if measure == "rate":
            ratios.append(p.rate / j.rate if j.rate else 0.0)
        else:
            ratios.append(j.cpu_ms / p.cpu_ms if p.cpu_ms else float("nan"))
    return common.median(ratios)


def print_results(results: dict[tuple[str, str, int], Measured]) -> list[str]:
    """The table of medians; returns the pairs below the target."""
    rows: list[list[object]] = []
    below = []
    for pair in (STOCK, TRACKING):
        for clients in CLIENTS:
            json_samples = results[(pair, JSON, clients)].samples
            for side in (PAGE, JSON):
                measured = results[(pair, side, clients)]
                ratio = cpu_ratio = ""
                if side == PAGE:
                    rate_ratio = paired_ratio(measured.samples, json_samples, "rate")
                    ratio = f"{rate_ratio:.2f}"
                    cpu_ratio = f"{paired_ratio(measured.samples, json_samples, 'cpu'):.2f}"
                    if not rate_ratio >= TARGET:
                        below.append(f"{pair} x{clients} ({ratio})")
                rows.append(
                    [
                        ROUTES[(pair, side)],
                        clients,
                        common.median([s.rate for s in measured.samples]),
                        common.median([s.ms(50) for s in measured.samples]),
                        common.median([s.ms(99) for s in measured.samples]),
                        ratio,
                        cpu_ratio,
                        common.median(measured.sizes),
                        common.median([s.cpu_ms for s in measured.samples]),
                        sum(s.errors for s in measured.samples),
                    ]
                )
    runs = len(next(iter(results.values())).samples)
    common.print_table(
        f"Pages against their JSON routes (median of {runs} run(s); target page/JSON >= {TARGET})",
        ["route", "clients", "req/s", "p50 ms", "p99 ms", "page/JSON", "by CPU",
         "bytes/answer", "CPU ms/req", "errors"],
        rows,
    )  # fmt: skip
    print(
        "page/JSON: the median of each repetition's page req/s over its JSON req/s;"
        " by CPU: the JSON's server CPU per request over the page's"
    )
    return below


async def main_async(args: Any) -> int:
    with tempfile.TemporaryDirectory(prefix="oms-bench-pages-") as tmp:
        async with common.bench_database(Path(tmp)) as url:
            world = await pages_world.build_world(url)
            print(
                f"pages: {len(pages_world.STORES)} stores x {pages_world.SKUS:,} SKUs,"
                f" {pages_world.ORDERS} orders (a pickup ready, a parcel shipped);"
                f" {args.seconds:g} s measured after {args.warmup:g} s warm-up,"
                f" {args.repeat} run(s) per route and client count. Tracking runs with the"
                " shipped rate limits: they count unknown tokens only, and every token here"
                " is known.",
                flush=True,
            )
            results = await run_benchmark(world, Path(tmp), args)
    below = print_results(results)
    errors = sum(s.errors for m in results.values() for s in m.samples)
    if below:
        print(f"below the target of {TARGET} x the JSON route: {', '.join(below)}")
    else:
        print(f"every page at or above {TARGET} x its JSON route")
    if errors:
        print(f"FAILED: {errors} requests failed or answered wrongly", file=sys.stderr)
    return 1 if errors else 0


def main(argv: Sequence[str] | None = None) -> int:
    args = common.bench_arguments(
        "Stock look-up and tracking pages against their JSON routes", argv
    )
    return uvloop.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
