"""The store's fulfilment work through the API: queue, pick list, every step, transfers."""

from __future__ import annotations

import uuid
from typing import Any

from oms.db.models import Barcode, Location, Sku
from tests.support.fulfilment import (
    MANCHESTER,
    Client,
    advance,
    event_kinds,
    fulfilment,
    get_order,
    hold_of,
    movements,
    place,
    rows,
    step,
)
from tests.support.orders import pickup_at
from tests.support.world import World

# ---- the ship flow -----------------------------------------------------------------------


async def test_ship_flow_turns_the_reservation_into_a_shipment(
    client: Client, world: World
) -> None:
    store = await world.location()
    sku = await world.sku()
    await world.stock(sku, store, 5)
    channel = await world.channel()
    order = await place(client, world, channel, [(sku, 2)])
    f = fulfilment(order)
    assert (f["location"], f["method"], f["state"]) == (store.code, "ship", "pending")
    associate = await world.token("associate", locations=(store,))

    assert (await advance(client, associate, f["id"], "start-picking"))["state"] == "picking"
    assert (await advance(client, associate, f["id"], "pack"))["state"] == "packed"
    assert await world.level(sku, store) == {"on_hand": 5, "reserved": 2, "safety_stock": 0}

    shipped = await step(
        client,
        associate,
        f["id"],
        "ship",
        {"carrier": "Royal Mail", "tracking_number": "RM123456789GB"},
    )

    assert shipped.status_code == 200, shipped.text
    body = shipped.json()
    assert (body["state"], body["carrier"], body["tracking_number"]) == (
        "shipped",
        "Royal Mail",
        "RM123456789GB",
    )
    assert await world.level(sku, store) == {"on_hand": 3, "reserved": 0, "safety_stock": 0}
    assert await movements(world, f["id"]) == [
        ("reserve", 0, 2, None),
        ("ship", -2, -2, "shipped"),
    ]
    hold = await hold_of(world, f["id"])
    assert (hold["status"], hold["purpose"]) == ("consumed", "order")
    assert hold["closed_at"] is not None
    assert (await get_order(client, world, order["id"]))["status"] == "completed"
    kinds = await event_kinds(client, world, order["id"])
    assert kinds[-3:] == ["fulfilment.picking", "fulfilment.packed", "fulfilment.shipped"]
    events = await rows(
        world,
        "SELECT actor, detail FROM order_event"
        " WHERE order_id = :id AND kind = 'fulfilment.shipped'",
        id=uuid.UUID(order["id"]),
    )
    assert events[0]["actor"].startswith("associate:")
    assert events[0]["detail"]["from"] == "packed"
    assert events[0]["detail"]["units"] == [{"sku": sku.code, "quantity": 2}]
    await world.assert_audit_clean()


async def test_illegal_steps_are_refused_and_change_nothing(client: Client, world: World) -> None:
    store = await world.location()
    sku = await world.sku()
    await world.stock(sku, store, 4)
    channel = await world.channel()
    order = await place(client, world, channel, [(sku, 1)])
    f = fulfilment(order)
    associate = await world.token("associate", locations=(store,))
    ship_body = {"carrier": "DPD", "tracking_number": "X1"}

    for action, body in [("pack", None), ("ship", ship_body), ("hand-over", {"code": "ACDEFG"})]:
        refused = await step(client, associate, f["id"], action, body)
        assert refused.status_code == 409, (action, refused.text)
        assert refused.json()["code"] == "invalid_state"
    refused = await step(client, associate, f["id"], "pack")
    assert "from pending to packed" in refused.json()["detail"]
    assert refused.json()["extra"]["allowed"] == ["picking", "rejected", "cancelled"]

    await advance(client, associate, f["id"], "start-picking", "pack")
    wrong = await step(client, associate, f["id"], "ready-for-pickup")
    assert wrong.status_code == 409, wrong.text
    assert wrong.json()["extra"]["allowed"] == ["shipped", "rejected", "cancelled"]
    assert (await step(client, associate, f["id"], "ship", ship_body)).status_code == 200
    for action in ("start-picking", "pack", "ship"):
        again = await step(client, associate, f["id"], action, ship_body)
        assert again.status_code == 409, action
        assert "none (it is final)" in again.json()["detail"]

    assert await world.level(sku, store) == {"on_hand": 3, "reserved": 0, "safety_stock": 0}
    kinds = await event_kinds(client, world, order["id"])
    assert kinds.count("fulfilment.shipped") == 1
    assert kinds.count("fulfilment.packed") == 1
    await world.assert_audit_clean()


async def test_a_parcel_needs_carrier_and_tracking_number(client: Client, world: World) -> None:
    store = await world.location()
    sku = await world.sku()
    await world.stock(sku, store, 1)
    order = await place(client, world, await world.channel(), [(sku, 1)])
    f = fulfilment(order)
    associate = await world.token("associate", locations=(store,))
    await advance(client, associate, f["id"], "start-picking", "pack")

    refused = await step(client, associate, f["id"], "ship", {"carrier": "DPD"})

    assert refused.status_code == 422
    assert refused.json()["code"] == "invalid_input"
    assert await world.level(sku, store) == {"on_hand": 1, "reserved": 1, "safety_stock": 0}
    unknown = await step(client, associate, f["id"], "ship", {"carrier": "DPD", "colour": "red"})
    assert unknown.status_code == 400


# ---- queue, card, pick list, access ------------------------------------------------------


async def test_queue_lists_the_stores_work_oldest_first(client: Client, world: World) -> None:
    store = await world.location()
    sku = await world.sku()
    await world.stock(sku, store, 10)
    channel = await world.channel()
    first = fulfilment(await place(client, world, channel, [(sku, 1)]))
    second = fulfilment(await place(client, world, channel, [(sku, 2)]))
    third = fulfilment(await place(client, world, channel, [(sku, 1)], pickup_at(store)))
    associate = await world.token("associate", locations=(store,))
    await advance(client, associate, second["id"], "start-picking")

    queue = await client.get(f"/fulfilments?location={store.code}", headers=associate)

    assert queue.status_code == 200, queue.text
    items = queue.json()["items"]
    assert [i["fulfilment"]["id"] for i in items] == [first["id"], second["id"], third["id"]]
    assert [i["fulfilment"]["state"] for i in items] == ["pending", "picking", "pending"]
    assert all(i["age_seconds"] >= 0 and i["order_number"] > 0 for i in items)
    assert items[0]["customer_name"] == "Test Customer"
    assert items[1]["fulfilment"]["lines"] == [
        {"line_no": 1, "sku": sku.code, "quantity": 2, "short": 0}
    ]

    picking = await client.get(
        f"/fulfilments?location={store.code}&state=picking", headers=associate
    )
    assert [i["fulfilment"]["id"] for i in picking.json()["items"]] == [second["id"]]
    both = await client.get(
        f"/fulfilments?location={store.code}&state=picking&state=pending&method=pickup",
        headers=associate,
    )
    assert [i["fulfilment"]["id"] for i in both.json()["items"]] == [third["id"]]
    bad_state = await client.get(
        f"/fulfilments?location={store.code}&state=lost", headers=associate
    )
    assert bad_state.status_code == 400

    card = await client.get(f"/fulfilments/{first['id']}", headers=associate)
    assert card.status_code == 200
    assert card.json()["fulfilment"]["id"] == first["id"]
    assert card.json()["awaiting_transfer"] is False


async def test_other_stores_and_other_roles_cannot_work_on_a_fulfilment(
    client: Client, world: World
) -> None:
    store, other = await world.location(), await world.location()
    sku = await world.sku()
    await world.stock(sku, store, 3)
    channel = await world.channel()
    f = fulfilment(await place(client, world, channel, [(sku, 1)]))
    outsider = await world.token("associate", locations=(other,))
    integration = await world.token("integration", channel=channel.code)

    queue = await client.get(f"/fulfilments?location={store.code}", headers=outsider)
    assert queue.status_code == 403
    assert queue.json()["code"] == "forbidden"
    for path in (f"/fulfilments/{f['id']}", f"/fulfilments/{f['id']}/pick-list"):
        hidden = await client.get(path, headers=outsider)
        assert hidden.status_code == 404, path
    for action in ("start-picking", "pack", "ready-for-pickup"):
        hidden = await step(client, outsider, f["id"], action)
        assert hidden.status_code == 404, action
    missing = await client.get(f"/fulfilments/{uuid.uuid4()}", headers=outsider)
    assert missing.json()["code"] == "not_found"

    assert (await step(client, integration, f["id"], "start-picking")).status_code == 403
    queue = await client.get(f"/fulfilments?location={store.code}", headers=integration)
    assert queue.status_code == 403
    # A channel's own client may read its order's fulfilment, another channel's may not.
    assert (await client.get(f"/fulfilments/{f['id']}", headers=integration)).status_code == 200
    stranger = await world.token("integration", channel=(await world.channel()).code)
    assert (await client.get(f"/fulfilments/{f['id']}", headers=stranger)).status_code == 404

    card = await client.get(f"/fulfilments/{f['id']}", headers=await world.token("admin"))
    assert card.json()["fulfilment"]["state"] == "pending"
    assert await world.level(sku, store) == {"on_hand": 3, "reserved": 1, "safety_stock": 0}


async def test_pick_list_shows_names_barcodes_and_units_in_sku_order(
    client: Client, world: World
) -> None:
    store = await world.location()
    tag = uuid.uuid4().hex[:6]
    later = await world.sku(code=f"SKU-{tag}-B", name="Tent")
    earlier = await world.sku(code=f"SKU-{tag}-A", name="Stove")
    async with world.sessionmaker() as session, session.begin():
        session.add_all(
            [
                Barcode(gtin=f"9{uuid.uuid4().int % 10**12:012d}", sku_id=later.id),
                Barcode(gtin=f"8{uuid.uuid4().int % 10**12:012d}", sku_id=later.id),
            ]
        )
    for sku in (later, earlier):
        await world.stock(sku, store, 5)
    order = await place(client, world, await world.channel(), [(later, 2), (earlier, 3)])
    f = fulfilment(order)
    associate = await world.token("associate", locations=(store,))

    response = await client.get(f"/fulfilments/{f['id']}/pick-list", headers=associate)

    assert response.status_code == 200, response.text
    pick = response.json()
    assert (pick["location"], pick["order_number"]) == (store.code, order["number"])
    lines = pick["lines"]
    assert [(x["sku"], x["name"], x["quantity"], x["line_no"]) for x in lines] == [
        (earlier.code, "Stove", 3, 2),
        (later.code, "Tent", 2, 1),
    ]
    assert lines[0]["barcodes"] == []
    assert len(lines[1]["barcodes"]) == 2
    assert lines[1]["barcodes"] == sorted(lines[1]["barcodes"])


# ---- transfer to store -------------------------------------------------------------------


async def _transfer_order(
    client: Client, world: World, store_units: int, warehouse_units: int, ordered: int
) -> tuple[Location, Location, Sku, dict[str, Any]]:
    store = await world.location()
    warehouse = await world.location(kind="warehouse", capabilities=["ship_from"], **MANCHESTER)
    sku = await world.sku()
    if store_units:
        await world.stock(sku, store, store_units)
    await world.stock(sku, warehouse, warehouse_units)
    channel = await world.channel(transfer_to_store=True)
    order = await place(client, world, channel, [(sku, ordered)], pickup_at(store))
    return store, warehouse, sku, order


async def test_transfer_to_store_end_to_end(client: Client, world: World) -> None:
    store, warehouse, sku, order = await _transfer_order(client, world, 1, 5, 3)
    pickup, sender = fulfilment(order, "pickup"), fulfilment(order, "transfer")
    assert (pickup["location"], sender["location"]) == (store.code, warehouse.code)
    assert sender["destination"] == store.code
    assert pickup["awaits"] == sender["id"]
    at_store = await world.token("associate", locations=(store,))
    at_warehouse = await world.token("associate", locations=(warehouse,))

    waiting = await step(client, at_store, pickup["id"], "start-picking")
    assert waiting.status_code == 409
    assert "waiting for its transfer" in waiting.json()["detail"]
    card = await client.get(f"/fulfilments/{pickup['id']}", headers=at_store)
    assert card.json()["awaiting_transfer"] is True
    # The store sees the transfer coming to it.
    assert (await client.get(f"/fulfilments/{sender['id']}", headers=at_store)).status_code == 200

    await advance(client, at_warehouse, sender["id"], "start-picking", "pack")
    sent = await step(client, at_warehouse, sender["id"], "ship", {})
    assert sent.status_code == 200, sent.text
    assert sent.json()["state"] == "shipped"
    assert await world.level(sku, warehouse) == {"on_hand": 3, "reserved": 0, "safety_stock": 0}
    assert await movements(world, sender["id"]) == [
        ("reserve", 0, 2, None),
        ("transfer_out", -2, -2, "transfer_to_store"),
    ]
    transfer = (
        await rows(
            world,
            "SELECT t.id, t.status, t.to_location_id, tl.quantity FROM fulfilment f"
            " JOIN transfer t ON t.id = f.transfer_id"
            " JOIN transfer_line tl ON tl.transfer_id = t.id WHERE f.id = :id",
            id=uuid.UUID(sender["id"]),
        )
    )[0]
    assert (transfer["status"], transfer["to_location_id"], transfer["quantity"]) == (
        "in_transit",
        store.id,
        2,
    )
    assert (await step(client, at_store, pickup["id"], "start-picking")).status_code == 409

    received = await client.post(f"/transfers/{transfer['id']}/receive", headers=at_store)

    assert received.status_code == 200, received.text
    assert await world.level(sku, store) == {"on_hand": 3, "reserved": 3, "safety_stock": 0}
    assert (await hold_of(world, pickup["id"]))["units"] == 3
    assert await movements(world, pickup["id"]) == [
        ("reserve", 0, 1, None),
        ("reserve", 0, 2, "transfer_arrived"),
    ]
    card = await client.get(f"/fulfilments/{pickup['id']}", headers=at_store)
    assert card.json()["awaiting_transfer"] is False

    await advance(client, at_store, pickup["id"], "start-picking", "pack", "ready-for-pickup")
    code = (
        await rows(
            world, "SELECT pickup_code FROM fulfilment WHERE id = :id", id=uuid.UUID(pickup["id"])
        )
    )[0]["pickup_code"]
    handed = await step(client, at_store, pickup["id"], "hand-over", {"code": code})
    assert handed.status_code == 200, handed.text
    assert await world.level(sku, store) == {"on_hand": 0, "reserved": 0, "safety_stock": 0}
    final = await get_order(client, world, order["id"])
    assert final["status"] == "completed"
    kinds = await event_kinds(client, world, order["id"])
    assert "fulfilment.transfer_arrived" in kinds
    assert kinds.index("fulfilment.shipped") < kinds.index("fulfilment.transfer_arrived")
    await world.assert_audit_clean()


async def test_units_lost_in_transit_are_short_on_the_pickup_and_routed_again(
    client: Client, world: World
) -> None:
    store, warehouse, sku, order = await _transfer_order(client, world, 0, 5, 2)
    pickup, sender = fulfilment(order, "pickup"), fulfilment(order, "transfer")
    at_warehouse = await world.token("associate", locations=(warehouse,))
    at_store = await world.token("associate", locations=(store,))
    await advance(client, at_warehouse, sender["id"], "start-picking", "pack")
    assert (await step(client, at_warehouse, sender["id"], "ship", {})).status_code == 200
    transfer_id = (
        await rows(
            world, "SELECT transfer_id FROM fulfilment WHERE id = :id", id=uuid.UUID(sender["id"])
        )
    )[0]["transfer_id"]

    received = await client.post(
        f"/transfers/{transfer_id}/receive",
        json={"lines": [{"sku": sku.code, "received": 1}]},
        headers=at_store,
    )

    assert received.status_code == 200, received.text
    card = (await client.get(f"/fulfilments/{pickup['id']}", headers=at_store)).json()
    assert card["fulfilment"]["lines"][0]["short"] == 1
    assert card["awaiting_transfer"] is False
    assert await world.level(sku, store) == {"on_hand": 1, "reserved": 1, "safety_stock": 0}
    routing = await rows(
        world,
        "SELECT trigger FROM routing_decision WHERE order_id = :id ORDER BY id",
        id=uuid.UUID(order["id"]),
    )
    assert [r["trigger"] for r in routing] == ["placement", "transfer_short"]
    after = await get_order(client, world, order["id"])
    assert after["lines"][0]["allocated"] == 2
    # The warehouse sends the lost unit again, to a new pickup waiting for it.
    new = [f for f in after["fulfilments"] if f["id"] not in (pickup["id"], sender["id"])]
    again = next(f for f in new if f["method"] == "transfer")
    waiting = next(f for f in new if f["method"] == "pickup")
    assert (again["location"], again["destination"], again["state"]) == (
        warehouse.code,
        store.code,
        "pending",
    )
    assert again["lines"][0]["quantity"] == 1
    assert (waiting["location"], waiting["awaits"]) == (store.code, again["id"])
    assert await world.level(sku, warehouse) == {"on_hand": 3, "reserved": 1, "safety_stock": 0}
    await world.assert_audit_clean()
