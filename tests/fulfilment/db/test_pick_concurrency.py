"""Scans racing on one line, each on its own server connection: the line is counted up to
what it needs and no further, every other scan is refused as extra units, and no scan
fails any other way."""

from __future__ import annotations

import uuid
from collections import Counter

import msgspec
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from oms.config import Settings
from oms.domain.access import Principal, Role
from oms.domain.errors import InvalidInput
from oms.fulfilment.schemas import PickIn, PickList
from oms.fulfilment.services import picking, transitions
from oms.orders.schemas import OrderIn
from oms.orders.services.placement import place_order
from tests.support.concurrency import (
    connection_share,
    dedicated_engine,
    pinned_connections,
    run_on_connections,
)
from tests.support.orders import order_body
from tests.support.world import World

ADMIN = Principal(token_id=0, name="test", role=Role.ADMIN)
UNITS = 12
SCANS = 24


async def test_racing_scans_count_the_line_exactly_once_per_unit(
    world: World, engine: AsyncEngine, database_url: str, settings: Settings
) -> None:
    store = await world.location()
    sku = await world.sku()
    await world.stock(sku, store, UNITS)
    channel = await world.channel()
    body = msgspec.convert(order_body(channel.code, [(sku, UNITS)]), OrderIn)
    async with world.sessionmaker() as session, session.begin():
        order, _ = await place_order(session, ADMIN, body)
    [f] = order.fulfilments
    async with world.sessionmaker() as session, session.begin():
        await transitions.start_picking(session, ADMIN, f.id)
    associate = Principal(
        token_id=0, name="scanner", role=Role.ASSOCIATE, location_ids=frozenset({store.id})
    )

    async def scan(sm: async_sessionmaker[AsyncSession], _: int) -> PickList:
        async with sm() as session, session.begin():
            return await picking.record_pick(session, associate, f.id, PickIn(code=sku.code))

    share = await connection_share(engine, SCANS, minimum=4)
    async with (
        dedicated_engine(database_url, settings, share) as racing,
        pinned_connections(racing, share) as pinned,
    ):
        outcomes = await run_on_connections(pinned, SCANS, scan)

    kinds = Counter(type(o).__name__ for o in outcomes)
    assert kinds == {"PickList": UNITS, "InvalidInput": SCANS - UNITS}, outcomes
    assert all("already complete" in o.detail for o in outcomes if isinstance(o, InvalidInput))
    async with world.sessionmaker() as session:
        picked = await session.scalar(
            text("SELECT quantity_picked FROM fulfilment_line WHERE fulfilment_id = :id"),
            {"id": uuid.UUID(str(f.id))},
        )
    assert picked == UNITS
    await world.assert_audit_clean()
