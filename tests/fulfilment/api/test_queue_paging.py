"""The store's fulfilment queue pages like every list: no row lost or repeated."""

from __future__ import annotations

from sqlalchemy import text

from tests.support.fulfilment import Client, fulfilment, place
from tests.support.pages import read_all_pages
from tests.support.world import World


async def test_the_queue_pages_through_every_fulfilment_once(client: Client, world: World) -> None:
    store = await world.location()
    sku = await world.sku()
    await world.stock(sku, store, 10)
    channel = await world.channel()
    placed = [fulfilment(await place(client, world, channel, [(sku, 1)]))["id"] for _ in range(5)]
    associate = await world.token("associate", locations=(store,))

    paged = await read_all_pages(client, "/fulfilments", associate, 2, location=store.code)
    assert [f["fulfilment"]["id"] for f in paged] == placed  # oldest first

    # Fulfilments created at the same moment: the id orders them, none lost between pages.
    async with world.sessionmaker() as session, session.begin():
        await session.execute(
            text("UPDATE fulfilment SET created_at = now() WHERE location_id = :l"),
            {"l": store.id},
        )
    tied = await read_all_pages(client, "/fulfilments", associate, 2, location=store.code)
    assert [f["fulfilment"]["id"] for f in tied] == sorted(placed)
