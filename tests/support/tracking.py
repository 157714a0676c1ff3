"""Public tracking as a browser sees it: a client at an address of our choosing."""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from litestar.testing import AsyncTestClient
from litestar.testing import transport as litestar_transport


def fresh_email() -> str:
    return f"{uuid.uuid4().hex[:12]}@example.com"


def random_ip() -> str:
    return f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"


class AddressedTransport(
    litestar_transport.TestClientTransport,  # type: ignore[type-arg]
    httpx.AsyncBaseTransport,
):
    """The test client's transport, with the client address of our choosing."""

    def __init__(self, client: AsyncTestClient, ip: str) -> None:  # type: ignore[type-arg]
        super().__init__(client=client)
        self.ip = ip

    def parse_request(self, request: httpx.Request) -> dict[str, Any]:
        scope = super().parse_request(request)
        scope["client"] = (self.ip, 40000)
        return scope


@asynccontextmanager
async def visitor_of(
    app_client: AsyncTestClient,  # type: ignore[type-arg]
    ip: str | None = None,
) -> AsyncIterator[httpx.AsyncClient]:
    """A browser at an address of its own (so limits counted in one test stay there)."""
    transport = AddressedTransport(app_client, ip or random_ip())
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        yield client


async def fresh_window(seconds: int) -> None:
    """Counting to a limit must not straddle two fixed windows: wait out a window about
    to end."""
    left = seconds - time.time() % seconds
    if left < 10:
        await asyncio.sleep(left + 0.5)


async def lookup(client: httpx.AsyncClient, number: int, email: str) -> httpx.Response:
    return await client.post("/track/lookup", json={"number": number, "email": email})


def addressed(app: Any, ip: str) -> Any:
    """``app`` as if every HTTP request came from ``ip`` (for a real server on loopback)."""

    async def asgi(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            scope = {**scope, "client": (ip, 40000)}
        await app(scope, receive, send)

    return asgi
