"""A channel chooses which messages this service writes to its customers: a message it
leaves to its own platform is not queued, and the order's timeline says so."""

from __future__ import annotations

import uuid

from oms.domain.customer_messages import CUSTOMER_MESSAGES
from oms.notifications.services.templates import RENDERERS
from tests.support.fulfilment import Client, advance, fulfilment, place, step
from tests.support.notifications import notifications
from tests.support.world import World

PARCEL = {"carrier": "Example Express", "tracking_number": "CX000000042"}


def test_every_message_a_channel_can_choose_has_words() -> None:
    assert set(RENDERERS) == set(CUSTOMER_MESSAGES)


async def _kinds(world: World, order_id: str) -> list[str]:
    return [n["kind"] for n in await notifications(world.sessionmaker, uuid.UUID(order_id))]


async def test_a_channel_that_sends_its_own_shipping_message_gets_none_from_us(
    client: Client, world: World
) -> None:
    admin = await world.token("admin")
    store = await world.location()
    sku = await world.sku()
    await world.stock(sku, store, 5)
    channel = await world.channel(kind="marketplace")
    changed = await client.patch(
        f"/channels/{channel.code}",
        json={"customer_messages": ["ready_for_pickup", "order_cancelled"]},
        headers=admin,
    )
    assert changed.status_code == 200, changed.text
    read = (await client.get(f"/channels/{channel.code}", headers=admin)).json()
    assert read["customer_messages"] == ["ready_for_pickup", "order_cancelled"]
    order = await place(client, world, channel, [(sku, 1)])
    associate = await world.token("associate", locations=(store,))
    f = fulfilment(order)
    await advance(client, associate, f["id"], "start-picking", "pack")

    shipped = await step(client, associate, f["id"], "ship", PARCEL)

    assert shipped.status_code == 200, shipped.text
    assert await _kinds(world, order["id"]) == []
    events = (await client.get(f"/orders/{order['id']}/events", headers=admin)).json()
    [skipped] = [e for e in events["items"] if e["kind"] == "notification.skipped"]
    assert skipped["detail"] == {"kind": "parcel_shipped", "reason": "sent_by_channel"}


async def test_by_default_a_channel_gets_every_message(client: Client, world: World) -> None:
    store = await world.location()
    sku = await world.sku()
    await world.stock(sku, store, 5)
    order = await place(client, world, await world.channel(), [(sku, 1)])
    associate = await world.token("associate", locations=(store,))
    f = fulfilment(order)
    await advance(client, associate, f["id"], "start-picking", "pack")

    await step(client, associate, f["id"], "ship", PARCEL)

    assert await _kinds(world, order["id"]) == ["parcel_shipped"]
