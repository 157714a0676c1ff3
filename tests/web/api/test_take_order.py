"""Taking an order in the app: a basket by scan, the customer, collect at another store or
deliver, priced from the channel's list (typed prices approved by a manager), placed once
through the API's placement service, with the tracking link and its QR code."""

from __future__ import annotations

import html
import re
import uuid
from typing import Any

import pytest
from sqlalchemy import func, select, text

from oms.db.models import Barcode, Channel, ChannelPrice, Location, Order, Sku
from tests.support.fulfilment import rows
from tests.support.web import PASSWORD, SignedIn, sign_in, staff_account
from tests.support.world import World, unique

_KEY = re.compile(r'id="order-form".*?name="idempotency_key" value="([0-9a-f]+)"', re.S)
_BASKET = re.compile(r'id="order-basket" name="basket" value="([^"]*)"')


async def _priced(world: World, channel: Channel, sku: Sku, amount: int) -> None:
    async with world.sessionmaker() as session, session.begin():
        session.add(
            ChannelPrice(channel_id=channel.id, sku_id=sku.id, amount=amount, updated_by="test")
        )


async def _orders_with_key(world: World, key: str) -> int:
    async with world.sessionmaker() as session:
        count = await session.scalar(
            select(func.count()).select_from(Order).where(Order.external_id == f"app-{key}")
        )
    return int(count or 0)


def _form(page: str) -> tuple[str, str]:
    """The placement form's key and the basket the page carries."""
    key, basket = _KEY.search(page), _BASKET.search(page)
    assert key is not None, page
    assert basket is not None, page
    return key[1], html.unescape(basket[1])


async def _shop(world: World) -> tuple[Location, Location, Sku, Channel]:
    here = await world.location(name="Here store")
    other = await world.location(name="Other store", lat=53.81, lon=-1.56)
    sku = await world.sku(name="Red teapot")
    await world.stock(sku, other, 3)
    channel = await world.channel(kind="pos", locations=(here, other))
    await _priced(world, channel, sku, 1999)
    return here, other, sku, channel


def _placement(basket: str, key: str, channel: Channel, **fields: str) -> dict[str, Any]:
    return {
        "basket": basket,
        "idempotency_key": key,
        "channel": channel.code,
        "customer_name": "Ada Customer",
        "customer_email": f"{unique('ada')}@example.com",
        **fields,
    }


async def test_an_order_for_pickup_at_another_store_is_placed_once(world: World) -> None:
    here, other, sku, channel = await _shop(world)
    signed = await sign_in(world, "associate", (here,))

    page = await signed.get(f"/app/orders/new?sku={sku.code}&delivery=pickup&store={other.code}")

    assert page.status_code == 200, page.text
    assert "£19.99" in page.text
    assert f'<option value="{other.code}" selected>' in page.text
    key, basket = _form(page.text)
    form = _placement(basket, key, channel, delivery="pickup", pickup_store=other.code)
    placed = await signed.post("/app/orders", form)
    again = await signed.post("/app/orders", form)

    assert placed.status_code == 201, placed.text
    assert "placed" in placed.text
    assert f"to collect at Other store ({other.code})" in placed.text
    assert re.search(r'href="http://127\.0\.0\.1/track/[\w-]{20,}"', placed.text)
    assert "<svg" in placed.text
    assert 'aria-label="QR code of the tracking link' in placed.text
    assert again.status_code == 201
    assert again.headers.get("idempotent-replayed") == "true"
    assert await _orders_with_key(world, key) == 1
    # Read back through the JSON API.
    admin = await world.token("admin")
    listed = await world.client.get(f"/orders?channel={channel.code}", headers=admin)
    (summary,) = listed.json()["items"]
    order = (await world.client.get(f"/orders/{summary['id']}", headers=admin)).json()
    assert order["external_id"] == f"app-{key}"
    assert order["customer"]["name"] == "Ada Customer"
    assert order["deliveries"][0]["method"] == "pickup"
    assert order["deliveries"][0]["location"] == other.code
    assert [(line["sku"], line["quantity"], line["unit_price"]) for line in order["lines"]] == [
        (sku.code, 1, 1999)
    ]
    assert order["currency"] == "GBP"
    assert order["total"] == 1999
    assert order["language"] is None  # not chosen on the form
    assert "Customer's language: not set" in placed.text
    assert [(f["location"], f["method"]) for f in order["fulfilments"]] == [(other.code, "pickup")]
    assert order["tracking_token"] in placed.text
    assert await world.level(sku, other) == {"on_hand": 3, "reserved": 1, "safety_stock": 0}


async def test_the_basket_adds_by_scan_and_changes_quantities(world: World) -> None:
    here, _, sku, channel = await _shop(world)
    async with world.sessionmaker() as session, session.begin():
        session.add(Barcode(gtin="5012345678900", sku_id=sku.id))
    signed = await sign_in(world, "associate", (here,))
    await signed.get("/app/orders/new")

    async def press(basket: str, **fields: str) -> tuple[str, str]:
        answer = await signed.post(
            "/app/orders/basket",
            {"basket": basket, "channel": channel.code, **fields},
            headers={"HX-Request": "true"},
        )
        assert answer.status_code == 200, answer.text
        found = _BASKET.search(answer.text)
        assert found is not None
        return answer.text, html.unescape(found[1])

    text, basket = await press("", op="add", scan="5012345678900")
    assert "Red teapot" in text
    text, basket = await press(basket, op="add", scan=sku.code)  # the same item: one more
    assert '"quantity":2' in basket
    assert "£39.98" in text
    _, basket = await press(basket, op="less", sku=sku.code)
    assert '"quantity":1' in basket
    _, basket = await press(basket, op="remove", sku=sku.code)
    assert basket == "[]"
    refused = await signed.post(
        "/app/orders/basket",
        {"basket": "[]", "op": "add", "scan": unique("nothing")},
        headers={"HX-Request": "true"},
    )
    # Said in the basket, which comes back with an empty scan field for the next scan.
    assert refused.status_code == 404
    assert "not_found" in refused.text
    assert re.search(r'<input id="order-scan" name="scan" autofocus', refused.text)


async def _typed_price_form(signed: SignedIn, sku: Sku, channel: Channel) -> tuple[str, str]:
    page = await signed.get(f"/app/orders/new?sku={sku.code}&delivery=here")
    key, basket = _form(page.text)
    changed = await signed.post(
        "/app/orders/basket",
        {
            "basket": basket,
            "channel": channel.code,
            "op": "price",
            "sku": sku.code,
            "price": "15.00",
            "reason": "price match",
        },
        headers={"HX-Request": "true"},
    )
    assert changed.status_code == 200, changed.text
    assert "£15.00" in changed.text
    found = _BASKET.search(changed.text)
    assert found is not None
    return key, html.unescape(found[1])


async def test_a_typed_price_needs_a_managers_approval(world: World) -> None:
    here, _, sku, channel = await _shop(world)
    await world.stock(sku, here, 2)
    signed = await sign_in(world, "associate", (here,))
    key, basket = await _typed_price_form(signed, sku, channel)
    form = _placement(basket, key, channel, delivery="here")

    refused = await signed.post("/app/orders", form)

    assert refused.status_code == 403, refused.text
    assert "manager" in refused.text
    assert await _orders_with_key(world, key) == 0
    assert await world.level(sku, here) == {"on_hand": 2, "reserved": 0, "safety_stock": 0}

    wrong = await signed.post(
        "/app/orders", form | {"manager_username": "nobody", "manager_password": "wrong"}
    )
    assert wrong.status_code == 403
    assert await _orders_with_key(world, key) == 0

    manager = await staff_account(world, "store_manager", (here,))
    placed = await signed.post(
        "/app/orders", form | {"manager_username": manager, "manager_password": PASSWORD}
    )

    assert placed.status_code == 201, placed.text
    assert f"approved by store_manager:{manager}" in placed.text
    assert await _orders_with_key(world, key) == 1
    admin = await world.token("admin")
    listed = await world.client.get(f"/orders?channel={channel.code}", headers=admin)
    (summary,) = listed.json()["items"]
    order = (await world.client.get(f"/orders/{summary['id']}", headers=admin)).json()
    assert order["lines"][0]["unit_price"] == 1500
    events = (await world.client.get(f"/orders/{summary['id']}/events", headers=admin)).json()
    (override,) = [e for e in events["items"] if e["kind"] == "order.price_overridden"]
    assert override["detail"]["price"] == 1500
    assert override["detail"]["list_price"] == 1999
    assert override["detail"]["reason"] == "price match"
    assert override["detail"]["approved_by"] == f"store_manager:{manager}"


async def test_an_order_delivered_to_an_address(world: World) -> None:
    here, other, sku, channel = await _shop(world)
    signed = await sign_in(world, "associate", (here,))
    page = await signed.get(f"/app/orders/new?sku={sku.code}&delivery=ship")
    assert 'id="delivery-ship" name="delivery" value="ship" checked' in page.text
    key, basket = _form(page.text)
    address = {
        "line1": "2 Park Row",
        "city": "Leeds",
        "postcode": "LS1 5HD",
        "country": "GB",
    }

    placed = await signed.post(
        "/app/orders", _placement(basket, key, channel, delivery="ship", **address)
    )

    assert placed.status_code == 201, placed.text
    assert f"shipped from Other store ({other.code})" in placed.text
    admin = await world.token("admin")
    listed = await world.client.get(f"/orders?channel={channel.code}", headers=admin)
    (summary,) = listed.json()["items"]
    order = (await world.client.get(f"/orders/{summary['id']}", headers=admin)).json()
    assert order["deliveries"][0]["method"] == "ship"
    assert order["deliveries"][0]["address"]["line1"] == "2 Park Row"


async def test_an_incomplete_order_is_refused_with_nothing_placed(world: World) -> None:
    here, _, sku, channel = await _shop(world)
    signed = await sign_in(world, "associate", (here,))
    page = await signed.get(f"/app/orders/new?sku={sku.code}&delivery=ship")
    key, basket = _form(page.text)

    refused = await signed.post(
        "/app/orders", _placement(basket, key, channel, delivery="ship", city="Leeds")
    )

    assert refused.status_code == 422, refused.text
    assert "invalid_input" in refused.text
    assert await _orders_with_key(world, key) == 0


async def test_the_customers_language_is_chosen_from_the_languages_we_write_in(
    world: World,
) -> None:
    here, _, sku, channel = await _shop(world)
    await world.stock(sku, here, 2)
    signed = await sign_in(world, "associate", (here,))
    page = await signed.get(f"/app/orders/new?sku={sku.code}&delivery=here")
    # Each named in itself; nothing chosen until the associate picks one.
    assert '<select id="customer-language" name="customer_language"' in page.text
    assert '<option value="">Not set</option>' in page.text
    for code, name in [("en", "English"), ("ro", "Română"), ("ru", "Русский"), ("ka", "ქართული")]:
        assert f'<option value="{code}" lang="{code}">{name}</option>' in page.text
    key, basket = _form(page.text)

    placed = await signed.post(
        "/app/orders", _placement(basket, key, channel, delivery="here", customer_language="ro")
    )

    assert placed.status_code == 201, placed.text
    assert 'Customer\'s language: <span lang="ro">Română</span>' in html.unescape(placed.text)
    admin = await world.token("admin")
    listed = await world.client.get(f"/orders?channel={channel.code}", headers=admin)
    (summary,) = listed.json()["items"]
    order = (await world.client.get(f"/orders/{summary['id']}", headers=admin)).json()
    assert order["external_id"] == f"app-{key}"
    assert order["language"] == "ro"
    # The customer is sent a confirmation, in the language chosen for them.
    [note] = await rows(
        world,
        "SELECT kind, subject FROM notification WHERE order_id = :id",
        id=uuid.UUID(order["id"]),
    )
    assert note == {
        "kind": "order_placed",
        "subject": f"Vă mulțumim pentru comanda {order['number']}",
    }


@pytest.mark.parametrize("language", ["fr", "ro-MD", "RO", "Română", "<b>ro</b>", "x" * 320])
async def test_a_language_not_on_the_list_is_refused_with_nothing_placed(
    world: World, language: str
) -> None:
    here, _, sku, channel = await _shop(world)
    await world.stock(sku, here, 2)
    signed = await sign_in(world, "associate", (here,))
    page = await signed.get(f"/app/orders/new?sku={sku.code}&delivery=here")
    key, basket = _form(page.text)

    refused = await signed.post(
        "/app/orders",
        _placement(basket, key, channel, delivery="here", customer_language=language),
        headers={"HX-Request": "true"},
    )

    assert refused.status_code == 422, refused.text
    assert "invalid_input" in refused.text
    assert "is not a language we write to customers in" in refused.text
    assert "<b>" not in refused.text
    assert await _orders_with_key(world, key) == 0
    assert await world.level(sku, here) == {"on_hand": 2, "reserved": 0, "safety_stock": 0}


async def _approval_failures(world: World, username: str) -> int:
    async with world.sessionmaker() as session:
        hits = await session.scalar(
            select(func.coalesce(func.sum(text("hits")), 0))
            .select_from(text("rate_limit_window"))
            .where(text("bucket = :bucket"))
            .params(bucket=f"sign-in:account:{username.lower()}")
        )
    return int(hits or 0)


async def test_wrong_manager_passwords_count_like_failed_sign_ins(world: World) -> None:
    here, _, sku, channel = await _shop(world)
    await world.stock(sku, here, 2)
    signed = await sign_in(world, "associate", (here,))
    manager = await staff_account(world, "store_manager", (here,))
    key, basket = await _typed_price_form(signed, sku, channel)
    form = _placement(basket, key, channel, delivery="here", manager_username=manager)

    wrong = await signed.post("/app/orders", form | {"manager_password": "not it"})

    assert wrong.status_code == 403
    assert await _approval_failures(world, manager) == 1
    placed = await signed.post("/app/orders", form | {"manager_password": PASSWORD})
    assert placed.status_code == 201, placed.text
    assert await _approval_failures(world, manager) == 1  # the right one is handed back


async def test_an_order_on_a_channel_closed_to_staff_is_refused(world: World) -> None:
    here, _, sku, _ = await _shop(world)
    await world.stock(sku, here, 2)
    marketplace = await world.channel(kind="marketplace", locations=(here,))
    elsewhere = await world.channel(kind="pos", locations=(await world.location(),))
    signed = await sign_in(world, "associate", (here,))
    page = await signed.get(f"/app/orders/new?sku={sku.code}")
    assert marketplace.code not in page.text
    key, basket = _form(page.text)

    for channel in (marketplace, elsewhere):
        refused = await signed.post("/app/orders", _placement(basket, key, channel))
        assert refused.status_code == 403, refused.text
    assert await _orders_with_key(world, key) == 0
    assert await world.level(sku, here) == {"on_hand": 2, "reserved": 0, "safety_stock": 0}
