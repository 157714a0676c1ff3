"""Per-client rate limits behind (or without) a reverse proxy, on a real uvicorn server
configured as ``oms serve`` configures it: ``X-Forwarded-For`` names the client only when
the peer is a proxy listed in ``OMS_TRUSTED_PROXIES``."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager

import httpx
import msgspec
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from oms.app import create_app
from oms.cli import server_options
from oms.config import Settings
from tests.support.concurrency import live_server


def oms_server(settings: Settings) -> AbstractAsyncContextManager[str]:
    """The app on a loopback port with the options ``oms serve`` uses; its base URL."""
    return live_server(create_app(settings), **server_options(settings))


async def _misses(engine: AsyncEngine, address: str) -> int:
    """The misses counted against ``address`` (in every window so far)."""
    async with engine.connect() as conn:
        hits = await conn.scalar(
            text("SELECT sum(hits) FROM rate_limit_window WHERE bucket = :b"),
            {"b": f"track-miss:{address}"},
        )
    return int(hits or 0)


async def _miss(base_url: str, forwarded_for: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=base_url) as http:
        return await http.get("/track/no-such-token", headers={"X-Forwarded-For": forwarded_for})


async def test_a_same_host_client_cannot_pick_its_bucket_by_default(
    settings: Settings, engine: AsyncEngine
) -> None:
    assert settings.trusted_proxies == ""
    claimed = "198.51.100.7"  # TEST-NET-2: never a real client
    loopback_before = await _misses(engine, "127.0.0.1")

    async with oms_server(settings) as base_url:
        response = await _miss(base_url, claimed)

    assert response.status_code == 404, response.text
    assert await _misses(engine, claimed) == 0
    assert await _misses(engine, "127.0.0.1") == loopback_before + 1


async def test_a_trusted_proxy_names_the_client(settings: Settings, engine: AsyncEngine) -> None:
    behind_proxy = msgspec.structs.replace(settings, trusted_proxies="10.0.0.0/8, 127.0.0.1/32")
    client = "198.51.100.8"
    loopback_before = await _misses(engine, "127.0.0.1")

    async with oms_server(behind_proxy) as base_url:
        response = await _miss(base_url, f"203.0.113.250, {client}")

    assert response.status_code == 404, response.text
    # The right-most address that is not a trusted proxy is the client.
    assert await _misses(engine, client) == 1
    assert await _misses(engine, "203.0.113.250") == 0
    assert await _misses(engine, "127.0.0.1") == loopback_before
