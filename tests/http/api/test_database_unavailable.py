"""A database that cannot be reached answers 503 ``unavailable`` with Retry-After, never 500.

Each case uses a real failure: a port nobody listens on (the server is down), a role whose
connection limit is reached (too many connections), and connections terminated by the
server between requests (a restart or failover dropped them).
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type hints
import pytest
from litestar.testing import AsyncTestClient

from oms.app import create_app
from oms.config import Settings
from tests.support.world import World


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # closed again on leaving: nobody listens


async def _client_for(url: str, settings: Settings) -> AsyncIterator[AsyncTestClient]:  # type: ignore[type-arg]
    """An API process as deployed beside separate workers: it runs no jobs itself, so
    nothing but HTTP touches the unreachable database (the broker is never reached)."""
    app = create_app(
        Settings(
            database_url=url,
            broker_url=f"redis://127.0.0.1:{_closed_port()}/0",
            data_dir=settings.data_dir,
            log_requests=False,
            # Room beside the outbox relay, which polls the same (unreachable) database.
            db_pool_size=3,
            db_max_overflow=0,
            hold_sweep_seconds=3600.0,
            backorder_sweep_seconds=3600.0,
        )
    )
    async with AsyncTestClient(app=app, base_url="http://127.0.0.1") as client:
        yield client


def _assert_unavailable(response: Any) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "unavailable"
    assert int(response.headers["retry-after"]) >= 1


async def test_server_down_is_503(settings: Settings, world: World) -> None:
    headers = await world.token("admin")
    url = f"postgresql+asyncpg://oms:oms@127.0.0.1:{_closed_port()}/oms"
    async for client in _client_for(url, settings):
        for method, path, body in [
            ("GET", "/orders", None),
            ("GET", "/skus", None),
            ("POST", "/holds", {"location": "X", "lines": [{"sku": "Y", "quantity": 1}]}),
        ]:
            response = await client.request(method, path, json=body, headers=headers)
            _assert_unavailable(response)


async def test_too_many_connections_is_503(
    settings: Settings,
    database_url: str,
    asyncpg_connect_kwargs: dict[str, Any],
    world: World,
) -> None:
    headers = await world.token("admin")
    role = f"full_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(**asyncpg_connect_kwargs)
    try:
        # A role that may hold no connection at all: the server answers 53300 at once.
        await admin.execute(f'CREATE ROLE "{role}" LOGIN CONNECTION LIMIT 0')
        scheme, rest = database_url.split("://", 1)
        url = f"{scheme}://{role}@{rest.split('@', 1)[-1]}"
        async for client in _client_for(url, settings):
            for _ in range(3):  # each attempt fails alike: no pool slot is lost
                _assert_unavailable(await client.get("/orders", headers=headers))
    finally:
        await admin.execute(f'DROP ROLE IF EXISTS "{role}"')
        await admin.close()


async def test_connections_dropped_by_the_server_are_503_then_recover(
    settings: Settings, database_url: str, asyncpg_connect_kwargs: dict[str, Any], world: World
) -> None:
    headers = await world.token("admin")
    admin = await asyncpg.connect(**asyncpg_connect_kwargs)
    try:
        others = set(await _backends(admin))
        async for client in _client_for(database_url, settings):
            assert (await client.get("/skus", headers=headers)).status_code == 200
            # What a restart or failover does to every open connection (only this app's:
            # the rest of the suite shares the server).
            ours = set(await _backends(admin)) - others
            assert ours
            await admin.execute("SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) pid", ours)
            first = await client.get("/skus", headers=headers)
            assert first.status_code in (200, 503), first.text
            if first.status_code == 503:
                _assert_unavailable(first)
            # The pool drops the dead connection and the next request gets a fresh one.
            assert (await client.get("/skus", headers=headers)).status_code == 200
    finally:
        await admin.close()


async def _backends(admin: Any) -> list[int]:
    rows = await admin.fetch(
        "SELECT pid FROM pg_stat_activity"
        " WHERE datname = current_database() AND pid <> pg_backend_pid()"
    )
    return [row["pid"] for row in rows]


@pytest.fixture(autouse=True)
def _quiet(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("CRITICAL")


async def test_a_level_beyond_what_can_be_stored_is_422_and_writes_nothing(world: World) -> None:
    """A receipt that would take a level past a 32-bit count is refused, not a 500."""
    store = await world.location()
    sku = await world.sku()
    near_limit = 2**31 - 1 - 500_000  # what about 2,148 full receipts would leave
    await world.stock(sku, store, near_limit)
    headers = await world.token("admin")
    body = {"location": store.code, "lines": [{"sku": sku.code, "quantity": 1_000_000}]}
    response = await world.client.post("/inventory/receipts", json=body, headers=headers)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "out_of_range"
    assert (await world.level(sku, store))["on_hand"] == near_limit
    assert (await world.audit()).ok
