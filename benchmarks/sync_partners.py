"""The two fake partners of the channel sync benchmark, in a process of their own.

The fake Shopify (GraphQL, cost bucket) and the fake Standard Webhooks receiver are real
HTTP servers on 127.0.0.1. They run in a child process so that their threads never take
the load generator's interpreter lock: with sync running, the clients' throughput must not
drop because the fakes answer in the benchmark's own process. The benchmark talks to them
over a pipe: seed, set the quantities it expects, count mismatches, read the call logs.

What the child records per partner, for the checks: every call (time, quantities it
carried, throttled or not, status) and, per item, the time of every quantity applied, so
"at most one push per listing per window" is checked at the partner, not from our logs.
"""

from __future__ import annotations

import asyncio
import itertools
import multiprocessing
import threading
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from integrations.shopify.fake import FakeShopify
from integrations.shopify.fake_graphql import MUTATION_COST, Executor, Operation
from integrations.webhook.fake import FakeReceiver

# (partner sku or inventory item id, partner location id) -> quantity
Quantities = dict[tuple[str, str | None], int]
WEBHOOK, SHOPIFY = "webhook", "shopify"
PARTNERS = (SHOPIFY, WEBHOOK)
CALL_TIMEOUT_SECONDS = 120.0


@dataclass(frozen=True)
class PartnerConfig:
    webhook_secret: str
    shopify_token: str
    shopify_bucket: float  # points
    shopify_restore: float  # points per second


@dataclass(frozen=True)
class CallStats:
    """One partner's quantity calls since a moment, and its items' push spacing."""

    calls: int  # quantity calls answered (throttled and failed included)
    throttled: int
    failed: int  # neither ok nor throttled
    quantities: int  # quantities in calls that were applied
    max_batch: int  # most quantities one call carried (refused ones included)
    points: int  # cost points spent (Shopify; 0 for the receiver)
    items: int  # distinct items pushed
    max_pushes_per_item: int
    min_gap: float  # shortest time between two pushes of one item (inf: none pushed twice)
    close_pushes: int  # pushes of an item less than the window after its previous one
    first_at: float  # epoch seconds of the first and last applied quantity call (nan: none)
    last_at: float


class _RecordingExecutor(Executor):
    """The fake shop's executor, noting when each quantity was applied (under its lock)."""

    applied: list[tuple[float, list[tuple[str, str]]]]

    def run(self, operation: Operation, query: str, variables: dict[str, Any], version: str) -> Any:
        data = super().run(operation, query, variables, version)
        if operation.name == "inventorySetQuantities":
            reply = data.get("inventorySetQuantities") or {}
            if not reply.get("userErrors"):
                entries = (variables.get("input") or {}).get("quantities") or []
                items = [(str(e["inventoryItemId"]), str(e["locationId"])) for e in entries]
                self.applied.append((time.time(), items))
        return data


class _Partners:
    """The child's side: both fakes and what the benchmark expects them to show."""

    def __init__(self, config: PartnerConfig) -> None:
        self.window = 1.0
        self.receiver = FakeReceiver(config.webhook_secret).start()
        self.shop = FakeShopify(
            config.shopify_token,
            bucket_size=config.shopify_bucket,
            restore_rate=config.shopify_restore,
        )
        self.recorder = _RecordingExecutor(self.shop.state)
        self.recorder.applied = []
        self.shop.executor = self.recorder
        self.shop.start()
        self.expected: dict[str, Quantities] = {WEBHOOK: {}, SHOPIFY: {}}

    def close(self) -> None:
        self.shop.stop()
        self.receiver.stop()

    def urls(self) -> dict[str, str]:
        return {WEBHOOK: self.receiver.url, SHOPIFY: self.shop.url}

    def shopify_catalogue(
        self, location_names: list[str], skus: list[str]
    ) -> tuple[list[str], dict[str, str]]:
        """Locations (their ids, in order) and a variant per SKU (sku -> inventory item)."""
        locations = [self.shop.add_location(name) for name in location_names]
        return locations, {sku: self.shop.add_variant(sku) for sku in skus}

    def seed(self, partner: str, quantities: Quantities) -> None:
        """Set quantities as if the partner already showed them (no call, no log entry)."""
        for (item, location), quantity in quantities.items():
            if partner == WEBHOOK:
                self.receiver.quantities[(item, location)] = quantity
            else:
                assert location is not None
                self.shop.set_quantity(item, location, quantity)

    def expect(self, partner: str, quantities: Quantities) -> None:
        self.expected[partner] = dict(quantities)

    def mismatches(self) -> dict[str, tuple[int, list[str]]]:
        """Per partner: how many expected quantities it does not show, and a few of them."""
        found: dict[str, tuple[int, list[str]]] = {}
        for partner, expected in self.expected.items():
            wrong = [
                f"{item}@{location}: {shown} != {quantity}"
                for (item, location), quantity in expected.items()
                if (shown := self._shown(partner, item, location)) != quantity
            ]
            found[partner] = (len(wrong), wrong[:3])
        return found

    def _shown(self, partner: str, item: str, location: str | None) -> int | None:
        if partner == WEBHOOK:
            return self.receiver.quantities.get((item, location))
        assert location is not None
        return self.shop.quantity(item, location)

    def bucket(self) -> float:
        """Points in the fake shop's bucket now."""
        with self.shop.lock:
            return float(self.shop.bucket.available())

    def stats(self, since: float, until: float, window: float) -> dict[str, CallStats]:
        """Both partners' quantity calls and applied pushes in [since, until] (epoch s)."""
        with self.shop.lock:
            shop_calls = [c for c in self.shop.calls if c.operation == "inventorySetQuantities"]
            shop_applied = list(self.recorder.applied)
        hook_calls = list(self.receiver.pushes())
        with self.receiver._lock:  # the receiver's history is appended under its lock
            history = list(self.receiver.history)
        first_ok: dict[str, float] = {}
        for call in hook_calls:
            if call.status < 300 and not call.duplicate and call.webhook_id is not None:
                first_ok.setdefault(call.webhook_id, call.at.timestamp())
        hook_applied: dict[float, list[tuple[str, str | None]]] = defaultdict(list)
        for stored in history:
            at = first_ok.get(stored.webhook_id)
            if at is not None:
                hook_applied[at].append((stored.sku, stored.location))

        def between(at: float) -> bool:
            return since <= at <= until

        shop = [c for c in shop_calls if between(c.at.timestamp())]
        hook = [c for c in hook_calls if between(c.at.timestamp())]
        return {
            SHOPIFY: _stats(
                [(c.count, c.throttled, c.status) for c in shop],
                [(at, items) for at, items in shop_applied if between(at)],
                window,
                cost=lambda count: MUTATION_COST + count,
            ),
            WEBHOOK: _stats(
                [(c.count, c.status == 429, c.status) for c in hook],
                [(at, items) for at, items in hook_applied.items() if between(at)],
                window,
                cost=lambda count: 0,
            ),
        }


def _stats(
    calls: list[tuple[int, bool, int]],
    applied: Iterable[tuple[float, list[Any]]],
    window: float,
    cost: Any,
) -> CallStats:
    times: dict[Any, list[float]] = defaultdict(list)
    moments = []
    for at, items in applied:
        moments.append(at)
        for item in items:
            times[item].append(at)
    gaps = []
    for pushes in times.values():
        ordered = sorted(pushes)
        gaps += [b - a for a, b in itertools.pairwise(ordered)]
    ok = [(count, status) for count, throttled, status in calls if not throttled and status < 300]
    return CallStats(
        calls=len(calls),
        throttled=sum(1 for _, throttled, _ in calls if throttled),
        failed=sum(1 for _, throttled, status in calls if not throttled and status >= 300),
        quantities=sum(count for count, _ in ok),
        max_batch=max((count for count, _, _ in calls), default=0),
        points=sum(cost(count) for count, _ in ok),
        items=len(times),
        max_pushes_per_item=max((len(p) for p in times.values()), default=0),
        min_gap=min(gaps, default=float("inf")),
        close_pushes=sum(1 for gap in gaps if gap < window),
        first_at=min(moments, default=float("nan")),
        last_at=max(moments, default=float("nan")),
    )


@dataclass(frozen=True)
class _Failure:
    error: str


def serve(conn: Connection, config: PartnerConfig) -> None:
    """The child process: start both fakes, send their URLs, answer commands until "stop"."""
    partners = _Partners(config)
    try:
        conn.send(partners.urls())
        while True:
            command, args = conn.recv()
            if command == "stop":
                break
            try:
                conn.send(getattr(partners, command)(*args))
            except Exception as exc:  # reported to the benchmark, which fails the run
                conn.send(_Failure(f"{type(exc).__name__}: {exc}"))
    finally:
        partners.close()
        conn.close()


class PartnerProcess:
    """The benchmark's handle on the child process (an async context manager)."""

    def __init__(self, config: PartnerConfig) -> None:
        self.config = config
        self.urls: dict[str, str] = {}
        self._lock = threading.Lock()
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(
            target=serve, args=(child, config), name="bench-partners", daemon=True
        )

    async def __aenter__(self) -> PartnerProcess:
        self._process.start()
        self.urls = await asyncio.to_thread(self._receive)
        return self

    async def __aexit__(self, *exc: object) -> None:
        def stop() -> None:
            try:
                with self._lock:
                    self._conn.send(("stop", ()))
            except OSError:
                pass
            self._process.join(10)
            if self._process.is_alive():
                self._process.terminate()
                self._process.join(5)

        await asyncio.to_thread(stop)

    def _receive(self) -> Any:
        if not self._conn.poll(CALL_TIMEOUT_SECONDS):
            raise TimeoutError("the partner process did not answer")
        answer = self._conn.recv()
        if isinstance(answer, _Failure):
            raise RuntimeError(f"partner process: {answer.error}")
        return answer

    def _call(self, command: str, args: tuple[Any, ...]) -> Any:
        with self._lock:
            self._conn.send((command, args))
            return self._receive()

    async def call(self, command: str, *args: Any) -> Any:
        return await asyncio.to_thread(self._call, command, args)

    async def shopify_catalogue(
        self, location_names: list[str], skus: list[str]
    ) -> tuple[list[str], dict[str, str]]:
        locations, items = await self.call("shopify_catalogue", location_names, skus)
        return list(locations), dict(items)

    async def seed(self, partner: str, quantities: Quantities) -> None:
        await self.call("seed", partner, quantities)

    async def expect(self, partner: str, quantities: Quantities) -> None:
        await self.call("expect", partner, quantities)

    async def mismatches(self) -> dict[str, tuple[int, list[str]]]:
        return dict(await self.call("mismatches"))

    async def bucket(self) -> float:
        return float(await self.call("bucket"))

    async def stats(self, since: float, until: float, window: float) -> dict[str, CallStats]:
        return dict(await self.call("stats", since, until, window))
