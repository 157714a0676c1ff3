"""The app's home: today at my store, counted from what is there (pickups waiting and past
their collect-by, work to pick with the oldest first, transfers on their way in)."""

from __future__ import annotations

import re

from sqlalchemy import text

from tests.support.fulfilment import advance, fulfilment, place
from tests.support.orders import pickup_at, ship_to
from tests.support.web import sign_in
from tests.support.world import World


def _count(page: str, tile: str) -> int:
    found = re.search(rf'id="{tile}".*?<span class="count">(\d+)</span>', page, re.S)
    assert found is not None, page
    return int(found[1])


async def test_home_counts_what_waits_at_the_store(world: World) -> None:
    store = await world.location(name="Home store")
    elsewhere = await world.location(name="Elsewhere")
    sku = await world.sku()
    await world.stock(sku, store, 20)
    await world.stock(sku, elsewhere, 5)
    channel = await world.channel(locations=(store,))
    associate = await world.token("associate", (store,))
    # Two pickups on the shelf, one of them past its collect-by (7 days on this channel).
    ready = []
    for _ in range(2):
        order = await place(world.client, world, channel, [(sku, 1)], pickup_at(store))
        f = fulfilment(order, "pickup")
        await advance(world.client, associate, f["id"], "start-picking", "pack", "ready-for-pickup")
        ready.append(f["id"])
    async with world.sessionmaker() as session, session.begin():
        await session.execute(
            text("UPDATE fulfilment SET ready_at = now() - interval '8 days' WHERE id = :id"),
            {"id": ready[0]},
        )
    # Three to pick: two shipments (one being picked) and an older one made to look older.
    to_pick = []
    for _ in range(3):
        order = await place(world.client, world, channel, [(sku, 1)], ship_to())
        to_pick.append((order["number"], fulfilment(order)["id"]))
    await advance(world.client, associate, to_pick[1][1], "start-picking")
    async with world.sessionmaker() as session, session.begin():
        await session.execute(
            text("UPDATE fulfilment SET created_at = now() - interval '3 hours' WHERE id = :id"),
            {"id": to_pick[2][1]},
        )
    # One transfer on its way here, one already received.
    admin = await world.token("admin")
    for receive in (False, True):
        sent = await world.client.post(
            "/transfers",
            json={
                "from_location": elsewhere.code,
                "to_location": store.code,
                "lines": [{"sku": sku.code, "quantity": 1}],
            },
            headers=admin,
        )
        assert sent.status_code == 201, sent.text
        if receive:
            received = await world.client.post(
                f"/transfers/{sent.json()['id']}/receive",
                json={"lines": [{"sku": sku.code, "received": 1}]},
                headers=admin,
            )
            assert received.status_code == 200, received.text
    signed = await sign_in(world, "associate", (store,))

    home = await signed.get("/app")

    assert home.status_code == 200
    assert _count(home.text, "tile-pickups") == 2
    assert "1 past collect-by" in home.text
    assert _count(home.text, "tile-to-pick") == 3
    assert "oldest waiting 3 h" in home.text
    assert _count(home.text, "tile-transfers") == 1
    oldest = re.findall(r"#(\d+)</a>", home.text)
    assert oldest[0] == str(to_pick[2][0])  # oldest first
    assert sorted(oldest) == sorted(str(number) for number, _ in to_pick)
    assert 'href="/app/handover"' in home.text
    assert 'href="/app/work?state=pending"' in home.text
    assert 'href="/app/stock-work/receive"' in home.text


async def test_home_of_a_quiet_store_shows_zeros(world: World) -> None:
    store = await world.location()
    signed = await sign_in(world, "associate", (store,))
    home = await signed.get("/app")
    assert _count(home.text, "tile-pickups") == 0
    assert _count(home.text, "tile-to-pick") == 0
    assert _count(home.text, "tile-transfers") == 0
    assert "past collect-by" not in home.text


async def test_a_pickup_waiting_for_its_transfer_is_not_yet_to_pick(world: World) -> None:
    store = await world.location()
    source = await world.location()
    sku = await world.sku()
    await world.stock(sku, source, 3)
    channel = await world.channel(transfer_to_store=True, locations=(store, source))
    order = await place(world.client, world, channel, [(sku, 1)], pickup_at(store))
    assert {f["method"] for f in order["fulfilments"]} == {"pickup", "transfer"}
    at_store = await sign_in(world, "associate", (store,))
    at_source = await sign_in(world, "associate", (source,))

    assert _count((await at_store.get("/app")).text, "tile-to-pick") == 0
    assert _count((await at_source.get("/app")).text, "tile-to-pick") == 1
