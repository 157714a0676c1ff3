"""A shipped parcel: the carrier's tracking link is kept, shown to the customer on the
tracking page, and the customer is sent a message that the parcel is on its way, in the
order's language. A link that is not https changes nothing."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from oms.app import create_app
from oms.config import Settings
from tests.support.fulfilment import Client, advance, fulfilment, get_order, place, rows, step
from tests.support.notifications import notifications
from tests.support.tracking import visitor_of
from tests.support.world import World

PUBLIC_URL = "https://orders.example.com"
CARRIER_LINK = "https://track.example-carrier.com/parcels?id=CX123456789&lang=en"
PARCEL = {
    "carrier": "Example Express",
    "tracking_number": "CX123456789",
    "carrier_tracking_url": CARRIER_LINK,
}


async def _packed(client: Client, world: World) -> tuple[dict[str, Any], dict[str, str]]:
    """A one-parcel order, packed; the order and its store associate's headers."""
    store = await world.location()
    sku = await world.sku()
    await world.stock(sku, store, 5)
    order = await place(client, world, await world.channel(), [(sku, 1)])
    associate = await world.token("associate", locations=(store,))
    f = fulfilment(order)
    await advance(client, associate, f["id"], "start-picking")
    await advance(client, associate, f["id"], "pack")
    return order, associate


async def _messages(world: World, order_id: str) -> list[dict[str, Any]]:
    return await notifications(world.sessionmaker, uuid.UUID(order_id))


async def test_the_customer_is_told_the_parcel_is_on_its_way_with_the_carriers_link(
    settings: Settings, engine: AsyncEngine, world: World
) -> None:
    public = msgspec.structs.replace(settings, public_url=PUBLIC_URL)
    async with AsyncTestClient(app=create_app(public), base_url="http://127.0.0.1") as client:
        order, associate = await _packed(client, world)
        f = fulfilment(order)

        shipped = await step(client, associate, f["id"], "ship", PARCEL)

        assert shipped.status_code == 200, shipped.text
        assert shipped.json()["carrier_tracking_url"] == CARRIER_LINK
        read = fulfilment(await get_order(client, world, order["id"]))
        assert (read["state"], read["carrier_tracking_url"]) == ("shipped", CARRIER_LINK)

        [message] = await _messages(world, order["id"])
        assert message["kind"] == "parcel_shipped"
        assert message["subject"] == f"Your order {order['number']} is on its way"
        body = message["body"]
        assert f"has been sent with {PARCEL['carrier']}." in body
        assert "Tracking number: CX123456789\n" in body
        assert f"Track the parcel with Example Express: {CARRIER_LINK}\n" in body
        assert f"{PUBLIC_URL}/track/{order['tracking_token']}" in body
        [event] = await rows(
            world,
            "SELECT detail FROM order_event WHERE order_id = :id AND kind = 'fulfilment.shipped'",
            id=uuid.UUID(order["id"]),
        )
        assert event["detail"]["carrier_tracking_url"] == CARRIER_LINK

        async with visitor_of(client) as browser:
            path = f"/track/{order['tracking_token']}"
            document = (await browser.get(path)).json()
            page = await browser.get(path, headers={"accept": "text/html"})
    [tracked] = document["fulfilments"]
    assert tracked["carrier_tracking_url"] == CARRIER_LINK
    escaped = CARRIER_LINK.replace("&", "&amp;")
    assert f'<a class="button" href="{escaped}" rel="noopener noreferrer">' in page.text
    assert "Track the parcel with Example Express</a>" in page.text


async def test_a_parcel_for_a_romanian_order_is_announced_in_romanian(
    client: Client, world: World
) -> None:
    order, associate = await _packed(client, world)
    async with world.sessionmaker() as session, session.begin():
        await session.execute(
            text("UPDATE sales_order SET language = 'ro' WHERE id = :id"),
            {"id": uuid.UUID(order["id"])},
        )

    shipped = await step(client, associate, fulfilment(order)["id"], "ship", PARCEL)

    assert shipped.status_code == 200, shipped.text
    [message] = await _messages(world, order["id"])
    assert message["subject"] == f"Comanda dumneavoastră {order['number']} este pe drum"
    assert f"Urmăriți coletul la Example Express: {CARRIER_LINK}\n" in message["body"]
    # Without OMS_PUBLIC_URL there is no link to our own tracking page.
    assert "/track/" not in message["body"]


async def test_without_the_carriers_link_the_message_gives_the_number_only(
    client: Client, world: World
) -> None:
    order, associate = await _packed(client, world)
    parcel = {"carrier": "Example Express", "tracking_number": "CX000000001"}

    shipped = await step(client, associate, fulfilment(order)["id"], "ship", parcel)

    assert shipped.status_code == 200, shipped.text
    assert shipped.json()["carrier_tracking_url"] is None
    [message] = await _messages(world, order["id"])
    assert "Tracking number: CX000000001\n" in message["body"]
    assert "Track the parcel" not in message["body"]


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(1)",
        "http://track.example.com/CX1",
        "https://",
        "https://track.example.com/CX 1",
        "https://track.example.com/CX1\n",
        "//track.example.com/CX1",
        "https://track.example.com/" + "x" * 480,
    ],
)
async def test_a_carrier_link_that_is_not_https_is_refused_and_changes_nothing(
    client: Client, world: World, link: str
) -> None:
    order, associate = await _packed(client, world)
    f = fulfilment(order)

    refused = await step(
        client, associate, f["id"], "ship", {**PARCEL, "carrier_tracking_url": link}
    )

    assert refused.status_code == 400, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert "carrier_tracking_url" in refused.text
    read = fulfilment(await get_order(client, world, order["id"]))
    assert (read["state"], read["carrier_tracking_url"]) == ("packed", None)
    assert await _messages(world, order["id"]) == []
    await world.assert_audit_clean()
