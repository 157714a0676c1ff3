"""The demo's orders: placed like real ones, one on the pickup shelf, one shipped."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from oms.db.models import Location
from oms.demo.orders_data import (
    ORDERS,
    READY_PICKUP,
    SHIPPED,
    demo_order_inputs,
    demo_tracking_token,
    seed_demo_orders,
)
from oms.demo.seed import format_demo_banner, seed_demo
from oms.inventory.services.audit import run_audit
from tests.support.world import World

Maker = async_sessionmaker[AsyncSession]

EXTERNAL_IDS = [order["external_id"] for order in ORDERS]

_ORDERS = text(
    """
    SELECT o.id, o.external_id, c.code AS channel, o.status, o.email, o.tracking_token
      FROM sales_order o JOIN channel c ON c.id = o.channel_id
     WHERE o.external_id = ANY(:ids)
    """
)
_FULFILMENTS = text(
    """
    SELECT o.external_id, f.method, f.state, f.pickup_code, f.carrier, f.tracking_number,
           loc.code AS location
      FROM fulfilment f JOIN sales_order o ON o.id = f.order_id
      JOIN location loc ON loc.id = f.location_id
     WHERE o.external_id = ANY(:ids)
    """
)
# Everything seeding the orders writes; a second seed must leave every count as it was.
_COUNTS = text(
    """
    SELECT (SELECT count(*) FROM sales_order WHERE external_id = ANY(:ids)) AS orders,
           (SELECT count(*) FROM fulfilment f JOIN sales_order o ON o.id = f.order_id
             WHERE o.external_id = ANY(:ids)) AS fulfilments,
           (SELECT count(*) FROM order_event e JOIN sales_order o ON o.id = e.order_id
             WHERE o.external_id = ANY(:ids)) AS events,
           (SELECT count(*) FROM notification n JOIN sales_order o ON o.id = n.order_id
             WHERE o.external_id = ANY(:ids)) AS notifications,
           (SELECT count(*) FROM stock_movement) AS movements,
           (SELECT coalesce(sum(reserved), 0) FROM inventory_level) AS reserved
    """
)


async def _rows(sessionmaker: Maker, query: Any) -> list[Any]:
    async with sessionmaker() as session:
        return list((await session.execute(query, {"ids": EXTERNAL_IDS})).all())


async def _counts(sessionmaker: Maker) -> dict[str, Any]:
    async with sessionmaker() as session:
        return dict((await session.execute(_COUNTS, {"ids": EXTERNAL_IDS})).mappings().one())


def test_demo_orders_are_valid_requests() -> None:
    inputs = demo_order_inputs()
    assert len(inputs) == len(ORDERS) >= 5
    assert len(set(EXTERNAL_IDS)) == len(EXTERNAL_IDS)
    assert {data.channel for data in inputs} == {"WEB", "AMAZON", "POS"}
    methods = {type(d).__name__ for data in inputs for d in data.deliveries}
    assert methods == {"ShipTo", "PickUpAt"}
    for data in inputs:
        assert data.customer.email is None or data.customer.email.endswith("@example.com")
        for delivery in data.deliveries:
            lat, lon = getattr(delivery, "lat", None), getattr(delivery, "lon", None)
            if lat is not None and lon is not None:
                assert 53.3 < lat < 53.7
                assert -2.7 < lon < -2.0


async def test_orders_placed_and_moved_along(seeded: bool, sessionmaker: Maker) -> None:
    orders = {row.external_id: row for row in await _rows(sessionmaker, _ORDERS)}
    assert set(orders) == set(EXTERNAL_IDS)
    for order in ORDERS:
        assert orders[order["external_id"]].channel == order["channel"]
    fulfilments = await _rows(sessionmaker, _FULFILMENTS)
    # Every unit was routed: nothing waits for stock.
    assert all(row.status != "backordered" for row in orders.values())
    assert {row.external_id for row in fulfilments} == set(EXTERNAL_IDS)

    ready = [f for f in fulfilments if f.external_id == READY_PICKUP[1]]
    assert [(f.method, f.state, f.location) for f in ready] == [
        ("pickup", "ready_for_pickup", "MAN-CITY")
    ]
    assert ready[0].pickup_code
    shipped = [f for f in fulfilments if f.external_id == SHIPPED[1]]
    assert shipped
    assert all(f.state == "shipped" and f.carrier and f.tracking_number for f in shipped)
    assert orders[SHIPPED[1]].status == "completed"
    # The rest wait in the stores' and warehouse's queues.
    others = [f for f in fulfilments if f.external_id not in (READY_PICKUP[1], SHIPPED[1])]
    assert others
    assert all(f.state == "pending" for f in others), others
    assert any(f.location == "MAN-CITY" for f in others)


async def test_ledger_clean_after_seeding(seeded: bool, sessionmaker: Maker) -> None:
    async with sessionmaker() as session, session.begin():
        report = await run_audit(session)
    assert report.ok, report


async def test_seeding_twice_adds_nothing(seeded: bool, sessionmaker: Maker) -> None:
    before = await _counts(sessionmaker)
    assert before["orders"] == len(ORDERS)
    async with sessionmaker() as session, session.begin():
        assert await seed_demo_orders(session) == 0
        assert await seed_demo(session) is False
    assert await _counts(sessionmaker) == before
    states = sorted((f.external_id, f.state) for f in await _rows(sessionmaker, _FULFILMENTS))
    assert (READY_PICKUP[1], "ready_for_pickup") in states
    assert (SHIPPED[1], "shipped") in states


async def test_store_queue_and_tracking_page(
    seeded: bool,
    sessionmaker: Maker,
    world: World,
    client: AsyncTestClient,  # type: ignore[type-arg]
) -> None:
    async with sessionmaker() as session:
        store = await session.scalar(select(Location).where(Location.code == "MAN-CITY"))
        token = await demo_tracking_token(session)
    assert store is not None
    headers = await world.token("associate", locations=(store,))
    queue = await client.get("/fulfilments/", params={"location": "MAN-CITY"}, headers=headers)
    assert queue.status_code == 200, queue.text
    waiting = {card["fulfilment"]["state"] for card in queue.json()["items"]}
    assert {"pending", "ready_for_pickup"} <= waiting

    # The banner's tracking command opens the ready pickup's page, code included.
    assert token is not None
    banner = format_demo_banner([], "http://127.0.0.1:8000", tracking_token=token)
    command = next(line for line in banner.splitlines() if "/track/" in line)
    assert command.strip() == f"curl http://127.0.0.1:8000/track/{token}"
    page = await client.get(f"/track/{token}")
    assert page.status_code == 200, page.text
    body = page.json()
    assert body["tracking_token"] == token
    [fulfilment] = body["fulfilments"]
    assert fulfilment["state"] == "ready_for_pickup"
    assert fulfilment["pickup_code"]
    assert "/track/" not in format_demo_banner([], "http://127.0.0.1:8000")
