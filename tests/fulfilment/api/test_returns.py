"""Returns: delivered units come back to any location, restocked or written off."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import text

from oms.db.models import Location, Sku
from tests.support.fulfilment import (
    Client,
    advance,
    event_kinds,
    fulfilment,
    place,
    rows,
    step,
)
from tests.support.pages import read_all_pages
from tests.support.world import World


async def _delivered(
    client: Client, world: World, units: int = 3, price: int = 1000
) -> tuple[Location, Sku, dict[str, Any]]:
    """A shipped order of ``units`` at ``price`` each; (shipping store, sku, order)."""
    store = await world.location()
    sku = await world.sku()
    await world.stock(sku, store, units)
    order = await place(client, world, await world.channel(), [(sku, units)], price=price)
    f = fulfilment(order)
    associate = await world.token("associate", locations=(store,))
    await advance(client, associate, f["id"], "start-picking", "pack")
    shipped = await step(
        client, associate, f["id"], "ship", {"carrier": "DPD", "tracking_number": "T1"}
    )
    assert shipped.status_code == 200, shipped.text
    return store, sku, order


def _line(quantity: int, disposition: str, reason: str | None = None) -> dict[str, Any]:
    return {"line_no": 1, "quantity": quantity, "disposition": disposition, "reason": reason}


async def _return_movements(world: World, return_id: str) -> list[tuple[str, int, int, int]]:
    found = await rows(
        world,
        "SELECT kind, delta_on_hand, delta_reserved, location_id FROM stock_movement"
        " WHERE ref_type = 'return' AND ref_id = :ref ORDER BY id",
        ref=return_id,
    )
    return [(r["kind"], r["delta_on_hand"], r["delta_reserved"], r["location_id"]) for r in found]


async def test_return_at_another_store_restocks_and_writes_off(
    client: Client, world: World
) -> None:
    shipped_from, sku, order = await _delivered(client, world, units=3, price=1000)
    desk = await world.location()
    associate = await world.token("associate", locations=(desk,))
    # Bought online, returned at another store: the desk looks the customer up first.
    await _look_up(client, associate, order)
    body = {
        "location": desk.code,
        "lines": [_line(2, "restock", "unwanted"), _line(1, "damaged", "broken_in_post")],
        "refund_amount": 2500,
        "note": "customer kept the box",
    }

    response = await client.post(f"/orders/{order['id']}/returns", json=body, headers=associate)

    assert response.status_code == 201, response.text
    created = response.json()
    assert (created["location"], created["refund_amount"], created["currency"]) == (
        desk.code,
        2500,
        "GBP",
    )
    assert [(x["quantity"], x["disposition"], x["reason"]) for x in created["lines"]] == [
        (1, "damaged", "broken_in_post"),
        (2, "restock", "unwanted"),
    ]
    assert created["actor"].startswith("associate:")
    # Restocked units are sellable at the desk; the damaged one came in and was written off.
    assert await world.level(sku, desk) == {"on_hand": 2, "reserved": 0, "safety_stock": 0}
    assert await world.level(sku, shipped_from) == {"on_hand": 0, "reserved": 0, "safety_stock": 0}
    assert sorted(await _return_movements(world, created["id"])) == sorted(
        [
            ("return", 2, 0, desk.id),
            ("return", 1, 0, desk.id),
            ("damage", -1, 0, desk.id),
        ]
    )
    listed = await client.get(f"/orders/{order['id']}/returns", headers=associate)
    assert listed.status_code == 200
    assert [r["id"] for r in listed.json()["items"]] == [created["id"]]
    assert "order.returned" in await event_kinds(client, world, order["id"])
    await world.assert_audit_clean()


async def test_only_delivered_units_not_yet_returned_come_back(
    client: Client, world: World
) -> None:
    store, sku, order = await _delivered(client, world, units=3, price=1000)
    admin = await world.token("admin")
    path = f"/orders/{order['id']}/returns"
    first = await client.post(
        path, json={"location": store.code, "lines": [_line(2, "restock")]}, headers=admin
    )
    assert first.status_code == 201, first.text

    too_many = await client.post(
        path, json={"location": store.code, "lines": [_line(2, "restock")]}, headers=admin
    )
    assert too_many.status_code == 422
    assert too_many.json()["extra"] == {"line_no": 1, "delivered": 3, "returned": 2}
    refund = await client.post(
        path,
        json={"location": store.code, "lines": [_line(1, "restock")], "refund_amount": 1001},
        headers=admin,
    )
    assert refund.status_code == 422
    assert refund.json()["extra"]["value"] == 1000
    no_line = await client.post(
        path,
        json={"location": store.code, "lines": [{**_line(1, "restock"), "line_no": 7}]},
        headers=admin,
    )
    assert no_line.status_code == 422
    twice = await client.post(
        path,
        json={"location": store.code, "lines": [_line(1, "restock"), _line(1, "restock")]},
        headers=admin,
    )
    assert twice.status_code == 422
    unknown_order = await client.post(
        f"/orders/{uuid.uuid4()}/returns",
        json={"location": store.code, "lines": [_line(1, "restock")]},
        headers=admin,
    )
    assert unknown_order.status_code == 404

    assert await world.level(sku, store) == {"on_hand": 2, "reserved": 0, "safety_stock": 0}
    assert len((await client.get(path, headers=admin)).json()["items"]) == 1
    last = await client.post(
        path,
        json={"location": store.code, "lines": [_line(1, "damaged")], "refund_amount": 1000},
        headers=admin,
    )
    assert last.status_code == 201, last.text
    assert await world.level(sku, store) == {"on_hand": 2, "reserved": 0, "safety_stock": 0}
    await world.assert_audit_clean()


async def test_units_not_delivered_yet_cannot_be_returned(client: Client, world: World) -> None:
    store = await world.location()
    sku = await world.sku()
    await world.stock(sku, store, 2)
    order = await place(client, world, await world.channel(), [(sku, 2)])
    admin = await world.token("admin")

    refused = await client.post(
        f"/orders/{order['id']}/returns",
        json={"location": store.code, "lines": [_line(1, "restock")]},
        headers=admin,
    )

    assert refused.status_code == 422
    assert refused.json()["extra"]["delivered"] == 0
    assert await world.level(sku, store) == {"on_hand": 2, "reserved": 2, "safety_stock": 0}


async def _look_up(client: Client, headers: dict[str, str], order: dict[str, Any]) -> None:
    found = await client.get(
        "/customers", params={"q": order["customer"]["email"]}, headers=headers
    )
    assert found.status_code == 200, found.text
    assert [c["id"] for c in found.json()["items"]] == [order["customer"]["id"]]


async def test_return_access(client: Client, world: World) -> None:
    store, sku, order = await _delivered(client, world, units=2)
    elsewhere = await world.location()
    outsider = await world.token("associate", locations=(elsewhere,))
    path = f"/orders/{order['id']}/returns"
    body = {"location": elsewhere.code, "lines": [_line(1, "restock")], "refund_amount": 1000}

    outside_scope = await client.post(
        path, json={"location": store.code, "lines": [_line(1, "restock")]}, headers=outsider
    )
    assert (outside_scope.status_code, outside_scope.json()["code"]) == (403, "forbidden")
    # Nothing at their store and the customer not looked up: the order stays hidden, and
    # a return (with its refund) of an order they cannot read is refused like a missing one.
    assert (await client.get(path, headers=outsider)).status_code == 404
    unreadable = await client.post(path, json=body, headers=outsider)
    assert (unreadable.status_code, unreadable.json()["code"]) == (404, "not_found")
    assert await rows(world, "SELECT id FROM order_return WHERE order_id = :o", o=order["id"]) == []
    assert await world.level(sku, elsewhere) == {"on_hand": 0, "reserved": 0, "safety_stock": 0}
    assert "order.returned" not in await event_kinds(client, world, order["id"])

    integration = await world.token("integration", channel=(await world.channel()).code)
    assert (await client.get(path, headers=integration)).status_code == 404
    refused = await client.post(
        path, json={"location": store.code, "lines": [_line(1, "restock")]}, headers=integration
    )
    assert refused.status_code == 403

    # Looked up by email at the desk: the return is taken, and the access is on record.
    await _look_up(client, outsider, order)
    taken = await client.post(path, json=body, headers=outsider)
    assert taken.status_code == 201, taken.text
    assert (await client.get(path, headers=outsider)).status_code == 200
    kinds = await event_kinds(client, world, order["id"])
    assert kinds.count("order.accessed_by_staff") == 1
    assert kinds.index("order.accessed_by_staff") < kinds.index("order.returned")
    assert await world.level(sku, elsewhere) == {"on_hand": 1, "reserved": 0, "safety_stock": 0}
    await world.assert_audit_clean()


async def test_a_store_that_took_a_return_sees_the_order_returns(
    client: Client, world: World
) -> None:
    _, _, order = await _delivered(client, world, units=1)
    desk = await world.location()
    admin = await world.token("admin")
    path = f"/orders/{order['id']}/returns"
    taken = await client.post(
        path, json={"location": desk.code, "lines": [_line(1, "restock")]}, headers=admin
    )
    assert taken.status_code == 201, taken.text
    # A later shift at that desk, with no look-up: it sees the returns it took in, not
    # the order itself.
    later = await world.token("associate", locations=(desk,))
    listed = await client.get(path, headers=later)
    assert listed.status_code == 200, listed.text
    assert [r["id"] for r in listed.json()["items"]] == [taken.json()["id"]]
    assert (await client.get(f"/orders/{order['id']}", headers=later)).status_code == 404


async def test_an_orders_returns_page_through_every_return_once(
    client: Client, world: World
) -> None:
    store, _, order = await _delivered(client, world, units=4, price=1000)
    admin = await world.token("admin")
    path = f"/orders/{order['id']}/returns"
    created = []
    for _ in range(4):
        body = {"location": store.code, "lines": [_line(1, "restock")], "refund_amount": 1000}
        response = await client.post(path, json=body, headers=admin)
        assert response.status_code == 201, response.text
        created.append(response.json()["id"])

    paged = await read_all_pages(client, path, admin, 1)
    assert [r["id"] for r in paged] == created  # oldest first
    assert all(r["lines"][0]["quantity"] == 1 for r in paged)

    # Returns taken at the same moment: the id orders them, none lost between pages.
    async with world.sessionmaker() as session, session.begin():
        await session.execute(
            text("UPDATE order_return SET created_at = now() WHERE order_id = :id"),
            {"id": uuid.UUID(order["id"])},
        )
    tied = await read_all_pages(client, path, admin, 3)
    assert [r["id"] for r in tied] == sorted(created)
