"""The demo's marketplaces take no orders from store staff; its tills and web shop do."""

from __future__ import annotations

import uuid

from litestar.testing import AsyncTestClient
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from oms.db.models import Location
from oms.demo.catalogue_data import FEATURED_SKU
from tests.support.world import World


async def test_demo_marketplaces_refuse_staff_orders(
    seeded: bool,
    sessionmaker: async_sessionmaker[AsyncSession],
    world: World,
    client: AsyncTestClient,  # type: ignore[type-arg]
) -> None:
    async with sessionmaker() as session:
        store = await session.scalar(select(Location).where(Location.code == "MAN-CITY"))
    assert store is not None
    associate = await world.token("associate", locations=(store,))
    # One by one: other tests' channels may push these past the first page of the list.
    flags = {}
    for code in ("POS", "WEB", "AMAZON", "EBAY"):
        found = await client.get(f"/channels/{code}", headers=associate)
        assert found.status_code == 200, found.text
        flags[code] = found.json()["staff_orders"]
    assert {code: flags[code] for code in ("POS", "WEB", "AMAZON", "EBAY")} == {
        "POS": True,
        "WEB": True,
        "AMAZON": False,
        "EBAY": False,
    }

    for channel in ("AMAZON", "EBAY"):
        external_id = f"STAFF-{uuid.uuid4().hex[:8]}"
        body = {
            "channel": channel,
            "external_id": external_id,
            "customer": {"name": "Walk In", "email": f"{external_id}@example.com"},
            "lines": [
                {
                    "sku": FEATURED_SKU,
                    "quantity": 1,
                    "unit_price": 0,
                    "currency": "GBP",
                    "delivery": 0,
                }
            ],
            "deliveries": [{"method": "pickup", "location": "MAN-CITY"}],
        }
        refused = await client.post("/orders", json=body, headers=associate)
        assert (refused.status_code, refused.json()["code"]) == (403, "forbidden"), refused.text
        async with sessionmaker() as session:
            written = await session.scalar(
                text("SELECT count(*) FROM sales_order WHERE external_id = :e"), {"e": external_id}
            )
        assert written == 0
