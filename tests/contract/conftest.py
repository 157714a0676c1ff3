"""A real server on 127.0.0.1 for the contract run, with an admin and an associate token.

Schemathesis sends plain synchronous HTTP, so the service runs on its own event loop in a
thread of its own rather than on the test session's loop.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator

import pytest
import uvicorn
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from oms.app import create_app
from oms.auth.services.resolver import create_token
from oms.config import Settings
from oms.db.models import Location
from oms.domain.access import Role
from tests.support.world import unique


@pytest.fixture(scope="session")
def contract_server(settings: Settings, engine: object) -> Iterator[str]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), log_level="warning", lifespan="on")
    )
    thread = threading.Thread(
        target=lambda: asyncio.run(server.serve(sockets=[sock])), name="contract-server"
    )
    thread.start()
    try:
        for _ in range(1500):
            if server.started or not thread.is_alive():
                break
            threading.Event().wait(0.02)
        assert server.started, "the server did not start"
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)
        sock.close()


@pytest.fixture(scope="session")
async def contract_tokens(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> dict[str, dict[str, str]]:
    """Headers for an admin and for an associate of one store that has stock."""
    async with sessionmaker() as session, session.begin():
        store = Location(
            code=unique("CT"),
            name="Contract store",
            kind="store",
            address={"line1": "1 High St", "city": "Leeds", "postcode": "LS1 1AA", "country": "GB"},
            lat=53.8,
            lon=-1.55,
            timezone="Europe/London",
            opening_hours={"mon": [["09:00", "18:00"]]},
            capabilities=["pickup", "ship_from", "walk_in"],
            daily_capacity=100,
            priority=100,
            active=True,
        )
        session.add(store)
        await session.flush()
        _, admin, _ = await create_token(session, name=unique("ct-admin"), role=Role.ADMIN)
        _, associate, _ = await create_token(
            session, name=unique("ct-assoc"), role=Role.ASSOCIATE, location_codes=[store.code]
        )
    return {
        "admin": {"Authorization": f"Bearer {admin}"},
        "associate": {"Authorization": f"Bearer {associate}"},
    }
