"""The pickup message links to the order's tracking page under ``OMS_PUBLIC_URL``: the
setting travels from the app's settings through the controller to the message."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncEngine

from oms.app import create_app
from oms.config import Settings
from tests.support.fulfilment import Client, ready_pickup, rows
from tests.support.world import World


async def _pickup_message(world: World, order_id: str) -> dict[str, Any]:
    [note] = await rows(
        world,
        "SELECT body, data FROM notification WHERE order_id = :id AND kind = 'ready_for_pickup'",
        id=uuid.UUID(order_id),
    )
    return note


async def test_with_a_public_url_the_pickup_message_links_to_the_tracking_page(
    settings: Settings, engine: AsyncEngine, world: World
) -> None:
    public = msgspec.structs.replace(settings, public_url="https://orders.example.com/")
    async with AsyncTestClient(app=create_app(public), base_url="http://127.0.0.1") as client:
        _, _, order, _, _ = await ready_pickup(client, world)

    note = await _pickup_message(world, order["id"])
    link = f"https://orders.example.com/track/{order['tracking_token']}"
    assert note["data"]["tracking_url"] == link
    assert link in note["body"]


async def test_without_a_public_url_the_pickup_message_has_no_link(
    client: Client, world: World
) -> None:
    _, _, order, _, _ = await ready_pickup(client, world)

    note = await _pickup_message(world, order["id"])
    assert "tracking_url" not in note["data"]
    assert "/track/" not in note["body"]
