"""Store staff and customers across channels, through every route the rules touch.

A store's own customers (an order with work at the store) are found by name; anyone else
only by exact email or phone, which opens that customer's profile and every order of
theirs to the token for a while: each order so opened says so in its timeline, and can
be returned at the store. Cancel and edit stay with the stores that work on the order.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import text

from oms.db.models import Location, Sku
from oms.domain.contact import phone_key
from tests.support.fulfilment import Client, advance, fulfilment, place, rows, step
from tests.support.orders import pickup_at, ship_to
from tests.support.pages import read_whole_list
from tests.support.world import World

STAFF_ROLES = ("associate", "store_manager")


@dataclass
class Network:
    """The associate's store ``here``; ``there`` ships a web order to ``online`` (a customer
    who never came to ``here``); ``local`` has a pickup order at ``here``."""

    here: Location
    there: Location
    sku: Sku
    tag: str
    online: dict[str, Any]  # delivered web order, shipped from ``there``
    local: dict[str, Any]  # pickup order at ``here``

    @property
    def online_customer(self) -> str:
        return str(self.online["customer"]["id"])

    @property
    def online_email(self) -> str:
        return str(self.online["customer"]["email"])


async def network(client: Client, world: World) -> Network:
    here, there = await world.location(), await world.location()
    sku = await world.sku()
    await world.stock(sku, here, 5)
    await world.stock(sku, there, 5)
    web = await world.channel(kind="web", locations=(there,))
    tag = uuid.uuid4().hex[:8]
    online = await place(
        client,
        world,
        web,
        [(sku, 1)],
        ship_to(),
        email=f"amy.{tag}@example.com",
        price=14999,
    )
    shipper = await world.token("associate", locations=(there,))
    f = fulfilment(online)
    await advance(client, shipper, f["id"], "start-picking", "pack")
    shipped = await step(
        client, shipper, f["id"], "ship", {"carrier": "DPD", "tracking_number": "1"}
    )
    assert shipped.status_code == 200, shipped.text
    local = await place(
        client, world, await world.channel(), [(sku, 1)], pickup_at(here), email=f"ann.{tag}@x.org"
    )
    await _rename(world, online["customer"]["id"], f"Amy Online{tag}")
    await _rename(world, local["customer"]["id"], f"Ann Local{tag}")
    return Network(here, there, sku, tag, online, local)


async def _rename(world: World, customer_id: str, name: str) -> None:
    async with world.sessionmaker() as session, session.begin():
        await session.execute(
            text("UPDATE customer SET name = :n, name_key = :k WHERE id = :id"),
            {"n": name, "k": name.lower(), "id": uuid.UUID(customer_id)},
        )


async def look_up(client: Client, headers: dict[str, str], q: str) -> list[str]:
    response = await client.get("/customers", params={"q": q}, headers=headers)
    assert response.status_code == 200, response.text
    return [c["id"] for c in response.json()["items"]]


async def accessed_events(world: World, order_id: str) -> list[dict[str, Any]]:
    return await rows(
        world,
        "SELECT actor, detail FROM order_event WHERE order_id = :o"
        " AND kind = 'order.accessed_by_staff' ORDER BY id",
        o=uuid.UUID(order_id),
    )


@pytest.mark.parametrize("role", STAFF_ROLES)
async def test_the_issue_scenario_look_up_read_and_return_at_the_store(
    client: Client, world: World, role: str
) -> None:
    net = await network(client, world)
    staff = await world.token(role, locations=(net.here,))
    order_id = net.online["id"]

    # No network-wide listing: "a" finds only the customers of their own store.
    assert await look_up(client, staff, "a") == [net.local["customer"]["id"]]
    assert await look_up(client, staff, f"amy online{net.tag}") == []
    admin = await world.token("admin")
    assert await look_up(client, admin, f"amy online{net.tag}") == [net.online_customer]

    # Another store's customer, not looked up: as missing as an unknown one, and so are
    # their orders, their returns and a return with a refund.
    for path in (
        f"/customers/{net.online_customer}",
        f"/orders/{order_id}",
        f"/orders/{order_id}/events",
        f"/orders/{order_id}/routing",
        f"/orders/{order_id}/returns",
    ):
        hidden = await client.get(path, headers=staff)
        assert (hidden.status_code, hidden.json()["code"]) == (404, "not_found"), path
    refund = {
        "location": net.here.code,
        "lines": [{"line_no": 1, "quantity": 1, "disposition": "restock"}],
        "refund_amount": 14999,
    }
    refused = await client.post(f"/orders/{order_id}/returns", json=refund, headers=staff)
    assert (refused.status_code, refused.json()["code"]) == (404, "not_found")
    assert await rows(world, "SELECT 1 FROM order_return WHERE order_id = :o", o=order_id) == []
    assert await accessed_events(world, order_id) == []

    # The customer gives their email at the counter.
    assert await look_up(client, staff, net.online_email.upper()) == [net.online_customer]
    profile = await client.get(f"/customers/{net.online_customer}", headers=staff)
    assert profile.status_code == 200, profile.text
    assert [o["id"] for o in profile.json()["orders"]] == [order_id]
    order = await client.get(f"/orders/{order_id}", headers=staff)
    assert order.status_code == 200, order.text
    assert order.json()["total"] == 14999
    for sub in ("events", "routing"):
        assert (await client.get(f"/orders/{order_id}/{sub}", headers=staff)).status_code == 200
    taken = await client.post(f"/orders/{order_id}/returns", json=refund, headers=staff)
    assert taken.status_code == 201, taken.text
    assert (taken.json()["location"], taken.json()["refund_amount"]) == (net.here.code, 14999)
    # The unit is back on the shelf here (the store's own pickup order still holds one).
    assert await world.level(net.sku, net.here) == {"on_hand": 6, "reserved": 1, "safety_stock": 0}

    # Every read went through one grant: one event, saying who, where and how.
    [event] = await accessed_events(world, order_id)
    assert event["actor"].startswith(f"{role}:")
    assert event["detail"] | {"grant_id": None, "token_id": None} == {
        "via": "customer_lookup",
        "looked_up_by": "email",
        "locations": [net.here.code],
        "grant_id": None,
        "token_id": None,
    }
    kinds = [e["kind"] for e in await read_whole_list(client, f"/orders/{order_id}/events", admin)]
    assert kinds[-2:] == ["order.accessed_by_staff", "order.returned"]
    await world.assert_audit_clean()


async def test_the_grant_is_per_token_and_expires(client: Client, world: World) -> None:
    net = await network(client, world)
    staff = await world.token("associate", locations=(net.here,))
    colleague = await world.token("associate", locations=(net.here,))
    order_id = net.online["id"]

    assert await look_up(client, staff, net.online_email) == [net.online_customer]
    [grant] = await rows(
        world,
        "SELECT id, via, expires_at - granted_at AS lasts FROM customer_access_grant"
        " WHERE customer_id = :c",
        c=uuid.UUID(net.online_customer),
    )
    assert (grant["via"], grant["lasts"].total_seconds()) == ("email", 60 * 60)
    assert (await client.get(f"/orders/{order_id}", headers=staff)).status_code == 200
    # The colleague at the same desk has not looked the customer up.
    assert (await client.get(f"/orders/{order_id}", headers=colleague)).status_code == 404
    assert (
        await client.get(f"/customers/{net.online_customer}", headers=colleague)
    ).status_code == 404

    # Looking up again while the grant is live extends it: still one grant, one event.
    assert await look_up(client, staff, net.online_email) == [net.online_customer]
    assert (await client.get(f"/orders/{order_id}", headers=staff)).status_code == 200
    grants = await rows(
        world,
        "SELECT id FROM customer_access_grant WHERE customer_id = :c",
        c=uuid.UUID(net.online_customer),
    )
    assert [g["id"] for g in grants] == [grant["id"]]
    assert len(await accessed_events(world, order_id)) == 1

    # An hour later the grant has lapsed: the customer and the order are hidden again.
    await _expire(world, grant["id"])
    for path in (f"/customers/{net.online_customer}", f"/orders/{order_id}"):
        assert (await client.get(path, headers=staff)).status_code == 404, path
    # A new look-up is a new grant, and the next read is recorded again.
    assert await look_up(client, staff, net.online_email) == [net.online_customer]
    assert (await client.get(f"/orders/{order_id}", headers=staff)).status_code == 200
    events = await accessed_events(world, order_id)
    assert len(events) == 2
    assert events[0]["detail"]["grant_id"] != events[1]["detail"]["grant_id"]


async def _expire(world: World, grant_id: uuid.UUID) -> None:
    async with world.sessionmaker() as session, session.begin():
        await session.execute(
            text(
                "UPDATE customer_access_grant SET expires_at = now() - interval '1 second'"
                " WHERE id = :id"
            ),
            {"id": grant_id},
        )


async def test_phone_look_up_and_the_stores_own_customers(client: Client, world: World) -> None:
    net = await network(client, world)
    staff = await world.token("associate", locations=(net.here,))
    local = net.local["customer"]["id"]
    # Their own store's customer: found by name and readable without a look-up, which is
    # not recorded on orders the store works on anyway.
    assert await look_up(client, staff, f"ann local{net.tag}") == [local]
    assert (await client.get(f"/customers/{local}", headers=staff)).status_code == 200
    assert (await client.get(f"/orders/{net.local['id']}", headers=staff)).status_code == 200
    assert await accessed_events(world, net.local["id"]) == []

    # A phone number works like an email.
    phone = "07700 900" + str(uuid.uuid4().int)[:3]
    async with world.sessionmaker() as session, session.begin():
        await session.execute(
            text("UPDATE customer SET phone = :p, phone_key = :k WHERE id = :id"),
            {"p": phone, "k": phone_key(phone), "id": uuid.UUID(net.online_customer)},
        )
    assert await look_up(client, staff, phone) == [net.online_customer]
    assert (await client.get(f"/orders/{net.online['id']}", headers=staff)).status_code == 200
    [event] = await accessed_events(world, net.online["id"])
    assert event["detail"]["looked_up_by"] == "phone"


async def test_order_list_of_a_looked_up_customer(client: Client, world: World) -> None:
    net = await network(client, world)
    staff = await world.token("associate", locations=(net.here,))
    # A second order of the online customer, now for pickup here.
    second = await place(
        client,
        world,
        await world.channel(),
        [(net.sku, 1)],
        pickup_at(net.here),
        email=net.online_email,
    )
    assert second["customer"]["id"] == net.online_customer

    async def listed() -> list[str]:
        response = await client.get(
            "/orders", params={"customer": net.online_customer}, headers=staff
        )
        assert response.status_code == 200, response.text
        return [o["id"] for o in response.json()["items"]]

    assert await listed() == [second["id"]]  # only the order at their store
    assert await look_up(client, staff, net.online_email) == [net.online_customer]
    assert await listed() == [second["id"], net.online["id"]]
    # Without the customer filter the list is the store's own work, as before.
    everything = await client.get("/orders", headers=staff)
    assert net.online["id"] not in [o["id"] for o in everything.json()["items"]]


async def test_a_look_up_does_not_let_staff_cancel_or_edit(client: Client, world: World) -> None:
    here, there = await world.location(), await world.location()
    sku = await world.sku()
    await world.stock(sku, there, 5)
    email = f"{uuid.uuid4().hex[:10]}@example.com"
    order = await place(
        client, world, await world.channel(), [(sku, 2)], pickup_at(there), email=email
    )
    staff = await world.token("associate", locations=(here,))
    await look_up(client, staff, email)
    assert (await client.get(f"/orders/{order['id']}", headers=staff)).status_code == 200

    cancel = await client.post(f"/orders/{order['id']}/cancel", json={}, headers=staff)
    assert cancel.status_code == 404
    edit = await client.post(
        f"/orders/{order['id']}/edit",
        json={"lines": [{"line_no": 1, "quantity": 1}]},
        headers=staff,
    )
    assert edit.status_code == 404
    admin = await world.token("admin")
    after = (await client.get(f"/orders/{order['id']}", headers=admin)).json()
    assert (after["status"], after["lines"][0]["quantity"]) == ("open", 2)
    assert await world.level(sku, there) == {"on_hand": 5, "reserved": 2, "safety_stock": 0}
