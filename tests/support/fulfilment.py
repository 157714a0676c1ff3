"""Fulfilment test helpers: place an order, run its steps, read levels, ledger and events."""

from __future__ import annotations

import uuid
from typing import Any, TypeAlias

from httpx import Response
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import text

from oms.db.models import Channel, Location, Sku
from tests.support.orders import order_body, pickup_at, ship_to
from tests.support.pages import read_whole_list
from tests.support.world import World

Client: TypeAlias = AsyncTestClient[Litestar]

# Manchester is ~58 km from Leeds, where ``World.location`` puts stores by default.
MANCHESTER = {"lat": 53.4808, "lon": -2.2426}


async def place(
    client: Client,
    world: World,
    channel: Channel,
    lines: list[tuple[Sku, int]],
    delivery: dict[str, Any] | None = None,
    **body: Any,
) -> dict[str, Any]:
    """Place an order as an admin; the order as the API returns it."""
    admin = await world.token("admin")
    response = await client.post(
        "/orders",
        json=order_body(channel.code, lines, [delivery or ship_to()], **body),
        headers=admin,
    )
    assert response.status_code == 201, response.text
    order: dict[str, Any] = response.json()
    return order


async def ready_pickup(
    client: Client, world: World, units: int = 2
) -> tuple[Location, Sku, dict[str, Any], dict[str, Any], dict[str, str]]:
    """A pickup order on the shelf; (store, sku, order, fulfilment, associate headers)."""
    store = await world.location(name="Leeds Briggate", opening_hours={"mon": [["09:00", "17:30"]]})
    sku = await world.sku()
    await world.stock(sku, store, 5)
    order = await place(
        client,
        world,
        await world.channel(),
        [(sku, units)],
        pickup_at(store),
        email="ann@example.com",
    )
    f = fulfilment(order, "pickup")
    associate = await world.token("associate", locations=(store,))
    ready = await advance(client, associate, f["id"], "start-picking", "pack", "ready-for-pickup")
    assert ready["state"] == "ready_for_pickup"
    return store, sku, order, f, associate


def fulfilment(order: dict[str, Any], method: str | None = None) -> dict[str, Any]:
    """The order's only fulfilment (of that method)."""
    found: list[dict[str, Any]] = [
        f for f in order["fulfilments"] if method is None or f["method"] == method
    ]
    assert len(found) == 1, order["fulfilments"]
    return found[0]


async def step(
    client: Client,
    headers: dict[str, str],
    fulfilment_id: str,
    action: str,
    body: dict[str, Any] | None = None,
) -> Response:
    return await client.post(f"/fulfilments/{fulfilment_id}/{action}", json=body, headers=headers)


async def advance(
    client: Client, headers: dict[str, str], fulfilment_id: str, *actions: str
) -> dict[str, Any]:
    """Run steps that must succeed; the fulfilment after the last."""
    result: dict[str, Any] = {}
    for action in actions:
        response = await step(client, headers, fulfilment_id, action)
        assert response.status_code == 200, (action, response.text)
        result = response.json()
    return result


async def rows(world: World, sql: str, **params: Any) -> list[dict[str, Any]]:
    async with world.sessionmaker() as session:
        return [dict(r) for r in (await session.execute(text(sql), params)).mappings()]


async def movements(world: World, ref_id: str) -> list[tuple[str, int, int, str | None]]:
    """(kind, delta on_hand, delta reserved, reason) written for a document, in order."""
    found = await rows(
        world,
        "SELECT kind, delta_on_hand, delta_reserved, reason FROM stock_movement"
        " WHERE ref_id = :ref ORDER BY id",
        ref=ref_id,
    )
    return [(r["kind"], r["delta_on_hand"], r["delta_reserved"], r["reason"]) for r in found]


async def event_kinds(client: Client, world: World, order_id: str) -> list[str]:
    admin = await world.token("admin")
    return [e["kind"] for e in await read_whole_list(client, f"/orders/{order_id}/events", admin)]


async def get_order(client: Client, world: World, order_id: str) -> dict[str, Any]:
    admin = await world.token("admin")
    response = await client.get(f"/orders/{order_id}", headers=admin)
    assert response.status_code == 200, response.text
    order: dict[str, Any] = response.json()
    return order


async def hold_of(world: World, fulfilment_id: str) -> dict[str, Any]:
    found = await rows(
        world,
        "SELECT status, purpose, closed_at,"
        " (SELECT coalesce(sum(quantity), 0) FROM hold_line WHERE hold_id = h.id) AS units"
        " FROM hold h WHERE id = :id",
        id=uuid.UUID(fulfilment_id),
    )
    return found[0] if found else {}


async def picked(client: Client, headers: dict[str, str], fulfilment_id: str) -> dict[str, int]:
    """What the API's pick list says is picked so far, by SKU."""
    answer = await client.get(f"/fulfilments/{fulfilment_id}/pick-list", headers=headers)
    assert answer.status_code == 200, answer.text
    return {line["sku"]: line["picked"] for line in answer.json()["lines"]}
