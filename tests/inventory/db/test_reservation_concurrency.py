"""Holds under real contention: many connections racing for the same stock rows.

What must hold whatever the interleaving: never more reserved than is sellable, every
loser told ``InsufficientStock`` (not a deadlock, lock timeout or other database error),
and the ledger and the active holds agreeing with the levels afterwards.

On the embedded server every one of the 200 attempts gets its own backend. A server with
fewer spare connections (a shared one, ``max_connections = 100``) gets the same attempts
spread over as many distinct backends as it can spare; see ``tests/support/concurrency``.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from functools import partial

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from oms.app import create_app
from oms.config import Settings
from oms.db.models import Location, Sku
from oms.domain.access import Principal, Role
from oms.domain.errors import InsufficientStock, InvalidState
from oms.inventory.schemas import HoldIn, HoldLineIn, HoldOut
from oms.inventory.services import holds
from tests.support.concurrency import (
    connection_share,
    dedicated_engine,
    live_server,
    pinned_connections,
    pool_settings,
    run_on_connections,
    run_together,
    sqlstate,
)
from tests.support.world import World

ADMIN = Principal(token_id=0, name="test", role=Role.ADMIN)
ATTEMPTS = 200
STOCK = 50
# Below this many spare connections the server is too busy for a meaningful race.
MIN_CONNECTIONS = 20

_ACTIVE_HOLDS = text(
    """
    SELECT count(DISTINCT h.id) AS holds, coalesce(sum(hl.quantity), 0) AS units
      FROM hold h JOIN hold_line hl ON hl.hold_id = h.id
     WHERE h.location_id = :location_id AND h.status = 'active'
    """
)
_LEVELS_VS_HOLDS = text(
    """
    SELECT l.sku_id, l.location_id, l.on_hand, l.reserved, l.safety_stock,
           coalesce((SELECT sum(hl.quantity) FROM hold_line hl JOIN hold h ON h.id = hl.hold_id
                      WHERE h.status = 'active' AND hl.sku_id = l.sku_id
                        AND hl.location_id = l.location_id), 0) AS held
      FROM inventory_level l
     WHERE l.location_id = ANY(:location_ids)
     ORDER BY l.location_id, l.sku_id
    """
)
_OVERSOLD = text(
    """
    SELECT count(*) FROM inventory_level
     WHERE location_id = ANY(:location_ids)
       AND (reserved < 0 OR reserved > on_hand - safety_stock)
    """
)


async def _share(engine: AsyncEngine, wanted: int) -> int:
    share = await connection_share(engine, wanted, MIN_CONNECTIONS)
    if share < MIN_CONNECTIONS:
        pytest.skip(f"the server can spare only {share} connections")
    return share


def _unexpected(results: Sequence[object], *allowed: type[Exception]) -> list[str]:
    """Every outcome that is neither a result nor an allowed domain error, with its sqlstate."""
    return [
        f"{type(r).__name__}[{sqlstate(r)}]: {r}"
        for r in results
        if isinstance(r, BaseException) and not isinstance(r, allowed)
    ]


def _hold_in(location: Location, lines: list[tuple[Sku, int]], **extra: object) -> HoldIn:
    return HoldIn(
        location=location.code,
        lines=[HoldLineIn(sku=sku.code, quantity=q) for sku, q in lines],
        **extra,  # type: ignore[arg-type]
    )


async def test_hot_sku_sells_exactly_its_stock_to_concurrent_connections(
    world: World, engine: AsyncEngine, database_url: str, settings: Settings
) -> None:
    store, sku = await world.location(), await world.sku()
    await world.stock(sku, store, STOCK)
    request = _hold_in(store, [(sku, 1)])
    connections = await _share(engine, ATTEMPTS)

    async def attempt(sm: async_sessionmaker[AsyncSession], _: int) -> HoldOut:
        async with sm() as session, session.begin():
            return await holds.create_hold(session, ADMIN, request)

    async with (
        dedicated_engine(database_url, settings, connections) as big,
        pinned_connections(big, connections) as pinned,
    ):
        assert len({p.pid for p in pinned}) == connections  # one backend per worker
        results = await run_on_connections(pinned, ATTEMPTS, attempt)

    assert _unexpected(results, InsufficientStock) == []
    won = [r for r in results if isinstance(r, HoldOut)]
    lost = [r for r in results if isinstance(r, InsufficientStock)]
    assert len(won) == STOCK
    assert len(lost) == ATTEMPTS - STOCK
    assert len({h.id for h in won}) == STOCK
    assert all(
        e.extra["lines"] == [{"sku": sku.code, "requested": 1, "available": 0}] for e in lost
    )
    assert await world.level(sku, store) == {"on_hand": STOCK, "reserved": STOCK, "safety_stock": 0}
    async with world.sessionmaker() as session:
        active = (await session.execute(_ACTIVE_HOLDS, {"location_id": store.id})).one()
    assert (active.holds, active.units) == (STOCK, STOCK)
    await world.assert_audit_clean()


async def test_hot_sku_over_http_gives_201_or_409_and_nothing_else(
    world: World, engine: AsyncEngine, settings: Settings
) -> None:
    store, sku = await world.location(), await world.sku()
    await world.stock(sku, store, STOCK)
    headers = await world.token("admin")
    body = {"location": store.code, "lines": [{"sku": sku.code, "quantity": 1}]}
    # The server's own pool: one connection per concurrent request when the server allows it.
    app = create_app(pool_settings(settings, await _share(engine, ATTEMPTS + 10)))
    limits = httpx.Limits(max_connections=ATTEMPTS + 10, max_keepalive_connections=ATTEMPTS + 10)

    async with (
        live_server(app) as base_url,
        httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60) as http,
    ):
        responses = await run_together(
            [lambda: http.post("/holds", json=body, headers=headers)] * ATTEMPTS
        )

    failures = [r for r in responses if isinstance(r, BaseException)]
    assert failures == []
    statuses = Counter(r.status_code for r in responses if isinstance(r, httpx.Response))
    assert statuses == {201: STOCK, 409: ATTEMPTS - STOCK}, statuses
    for response in responses:
        assert isinstance(response, httpx.Response)
        if response.status_code == 409:
            assert response.headers["content-type"].startswith("application/problem+json")
            assert response.json()["code"] == "insufficient_stock"
    assert await world.level(sku, store) == {"on_hand": STOCK, "reserved": STOCK, "safety_stock": 0}
    await world.assert_audit_clean()


async def test_mixed_multi_line_holds_and_releases_never_deadlock_or_oversell(
    world: World, engine: AsyncEngine, database_url: str, settings: Settings
) -> None:
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    stores = [await world.location() for _ in range(3)]
    skus = [await world.sku() for _ in range(6)]
    for store in stores:
        for sku in skus:
            await world.stock(sku, store, rng.randint(2, 6), safety_stock=rng.choice((0, 0, 1)))
    location_ids = [s.id for s in stores]

    def random_request() -> HoldIn:
        chosen = rng.sample(skus, rng.randint(2, 4))
        lines = [(sku, rng.randint(1, 2)) for sku in chosen]
        if rng.random() < 0.5:  # the service, not the caller, must order the locks
            lines.sort(key=lambda line: line[0].id, reverse=True)
        return _hold_in(rng.choice(stores), lines)

    # Holds that exist before the storm, released while it runs.
    earlier: list[uuid.UUID] = []
    async with world.sessionmaker() as session:
        for _ in range(20):
            try:
                async with session.begin():
                    earlier.append((await holds.create_hold(session, ADMIN, random_request())).id)
            except InsufficientStock:
                pass
    assert earlier, "setup should have reserved something"

    requests = [random_request() for _ in range(300)]
    release_soon = [rng.random() < 0.4 for _ in requests]
    connections = min(100, await _share(engine, 100))

    async with dedicated_engine(database_url, settings, connections) as big:
        sm = async_sessionmaker(big, expire_on_commit=False)

        async def release(hold_id: uuid.UUID) -> HoldOut:
            async with sm() as session, session.begin():
                return await holds.release_hold(session, ADMIN, hold_id)

        async def reserve(n: int) -> HoldOut:
            async with sm() as session, session.begin():
                hold = await holds.create_hold(session, ADMIN, requests[n])
            if release_soon[n]:
                await asyncio.sleep(0)
                return await release(hold.id)
            return hold

        done = asyncio.Event()
        samples: list[int] = []

        async def watch() -> None:
            """Oversold at any committed moment, not just at the end, is a failure."""
            async with world.sessionmaker() as session:
                while not done.is_set():
                    async with session.begin():
                        samples.append(
                            await session.scalar(_OVERSOLD, {"location_ids": location_ids}) or 0
                        )
                    await asyncio.sleep(0.005)

        watcher = asyncio.create_task(watch())
        jobs: list[Callable[[], Awaitable[HoldOut]]] = [
            partial(reserve, n) for n in range(len(requests))
        ]
        jobs += [partial(release, h) for h in earlier]
        try:
            results = await run_together(jobs)
        finally:
            done.set()
            await watcher

    assert _unexpected(results, InsufficientStock) == [], f"seed {seed}"
    outcomes = Counter(
        r.status if isinstance(r, HoldOut) else type(r).__name__ for r in results[: len(requests)]
    )
    assert outcomes["InsufficientStock"] > 0, outcomes  # there really was contention
    assert outcomes["active"] + outcomes["released"] > 0, outcomes
    assert all(isinstance(r, HoldOut) for r in results[len(requests) :])
    assert samples, "the watcher never sampled"
    assert max(samples) == 0, f"oversold while running (seed {seed})"

    async with world.sessionmaker() as session:
        rows = (await session.execute(_LEVELS_VS_HOLDS, {"location_ids": location_ids})).all()
    assert len(rows) == len(stores) * len(skus)
    for row in rows:
        assert row.reserved == row.held, (row, seed)
        assert 0 <= row.reserved <= row.on_hand - row.safety_stock, (row, seed)
    await world.assert_audit_clean()


_HOLD_OUTCOMES = text(
    """
    SELECT h.id, h.status,
           count(m.id) FILTER (WHERE m.kind = 'release') AS releases,
           count(m.id) FILTER (WHERE m.kind = 'release' AND m.reason = 'expired') AS by_sweeper,
           coalesce(sum(m.delta_reserved), 0) AS net_reserved,
           (SELECT count(*) FROM hold_line hl WHERE hl.hold_id = h.id) AS lines
      FROM hold h
      LEFT JOIN stock_movement m ON m.ref_type = 'hold' AND m.ref_id = h.id::text
     WHERE h.id = ANY(:ids)
     GROUP BY h.id, h.status
    """
)


async def test_expiry_sweepers_and_releases_close_each_hold_exactly_once(
    world: World, engine: AsyncEngine, database_url: str, settings: Settings
) -> None:
    store = await world.location()
    skus = [await world.sku() for _ in range(3)]
    for sku in skus:
        await world.stock(sku, store, 500)
    connections = min(60, await _share(engine, 60))
    async with dedicated_engine(database_url, settings, connections) as big:
        sm = async_sessionmaker(big, expire_on_commit=False)
        for _ in range(2):  # two rounds: more interleavings for the same test
            await _expiry_round(world, sm, store, skus)
    for sku in skus:
        assert (await world.level(sku, store))["reserved"] == 0
    await world.assert_audit_clean()


async def _expiry_round(
    world: World, sm: async_sessionmaker[AsyncSession], store: Location, skus: list[Sku]
) -> None:
    rng = random.Random()
    created: list[uuid.UUID] = []
    async with world.sessionmaker() as session:
        for _ in range(40):
            lines = [(sku, rng.randint(1, 3)) for sku in rng.sample(skus, rng.randint(1, 3))]
            async with session.begin():
                hold = await holds.create_hold(
                    session, ADMIN, _hold_in(store, lines, expires_in_seconds=1)
                )
            created.append(hold.id)
    await asyncio.sleep(1.2)

    async def sweep() -> int:
        total = 0
        while True:  # small batches, like the job, so sweepers interleave
            async with sm() as session, session.begin():
                swept = await holds.release_expired_holds(session, limit=3)
            total += swept
            if swept == 0:
                return total

    async def release(hold_id: uuid.UUID) -> HoldOut:
        async with sm() as session, session.begin():
            return await holds.release_hold(session, ADMIN, hold_id)

    jobs: list[Callable[[], Awaitable[object]]] = [partial(release, h) for h in created]
    jobs += [sweep] * 4
    rng.shuffle(jobs)
    results = await run_together(jobs)

    assert _unexpected(results, InvalidState) == []
    released = {r.id for r in results if isinstance(r, HoldOut)}
    refused = [r for r in results if isinstance(r, InvalidState)]
    assert all(e.extra == {"status": "expired"} for e in refused)
    assert len(released) + len(refused) == len(created)
    swept_total = sum(r for r in results if isinstance(r, int))

    async with world.sessionmaker() as session:
        rows = (await session.execute(_HOLD_OUTCOMES, {"ids": created})).all()
    assert len(rows) == len(created)
    expired = 0
    for row in rows:
        # Closed once: one release movement per line, by exactly one of the two paths.
        assert row.releases == row.lines, row
        assert row.net_reserved == 0, row
        if row.id in released:
            assert (row.status, row.by_sweeper) == ("released", 0), row
        else:
            assert (row.status, row.by_sweeper) == ("expired", row.lines), row
            expired += 1
    # Sweepers are global: they may also have closed expired holds of other tests.
    assert swept_total >= expired
    await world.assert_audit_clean()
