"""Short picks and rejections: exact releases, the shelf's correction, and re-routing."""

from __future__ import annotations

import uuid
from typing import Any

from oms.db.models import Location, Sku
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
from tests.support.world import World


async def _two_stores(
    world: World, near_units: int, far_units: int
) -> tuple[Location, Location, Sku]:
    """``near`` is in Leeds next to the customer; ``far`` in Manchester."""
    near = await world.location()
    far = await world.location(**MANCHESTER)
    sku = await world.sku()
    await world.stock(sku, near, near_units)
    if far_units:
        await world.stock(sku, far, far_units)
    return near, far, sku


def _short(line_no: int, quantity: int, reason: str) -> dict[str, Any]:
    return {"lines": [{"line_no": line_no, "quantity_short": quantity, "reason": reason}]}


async def _needs_count(world: World, sku: Sku, location: Location) -> bool:
    found = await rows(
        world,
        "SELECT needs_count FROM inventory_level WHERE sku_id = :s AND location_id = :l",
        s=sku.id,
        l=location.id,
    )
    return bool(found[0]["needs_count"])


async def test_not_found_counts_the_shelf_and_routes_to_the_next_store(
    client: Client, world: World
) -> None:
    near, far, sku = await _two_stores(world, 2, 5)
    order = await place(client, world, await world.channel(), [(sku, 2)])
    first = fulfilment(order)
    assert first["location"] == near.code
    associate = await world.token("associate", locations=(near,))
    await advance(client, associate, first["id"], "start-picking")

    response = await step(client, associate, first["id"], "short-pick", _short(1, 2, "not_found"))

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["state"], body["reason"]) == ("rejected", "not_found")
    assert body["lines"][0]["short"] == 2
    # The shelf was counted: nothing there, nothing promised.
    assert await world.level(sku, near) == {"on_hand": 0, "reserved": 0, "safety_stock": 0}
    assert await movements(world, first["id"]) == [
        ("reserve", 0, 2, None),
        ("release", 0, -2, "not_found"),
        ("count", -2, 0, "not_found"),
    ]
    assert (await hold_of(world, first["id"]))["status"] == "released"
    after = await get_order(client, world, order["id"])
    moved = [f for f in after["fulfilments"] if f["id"] != first["id"]]
    assert [(f["location"], f["state"], f["lines"][0]["quantity"]) for f in moved] == [
        (far.code, "pending", 2)
    ]
    assert await world.level(sku, far) == {"on_hand": 5, "reserved": 2, "safety_stock": 0}
    assert after["status"] == "open"
    assert after["lines"][0]["allocated"] == 2
    kinds = await event_kinds(client, world, order["id"])
    tail = kinds[kinds.index("fulfilment.short_picked") :]
    assert tail == ["fulfilment.short_picked", "fulfilment.rejected", "fulfilment.created"]
    routing = await rows(
        world,
        "SELECT trigger FROM routing_decision WHERE order_id = :id ORDER BY id",
        id=uuid.UUID(order["id"]),
    )
    assert [r["trigger"] for r in routing] == ["placement", "short_pick"]
    await world.assert_audit_clean()


async def test_partial_not_found_keeps_the_picked_units_on_hand(
    client: Client, world: World
) -> None:
    near, far, sku = await _two_stores(world, 5, 5)
    order = await place(client, world, await world.channel(), [(sku, 3)])
    f = fulfilment(order)
    associate = await world.token("associate", locations=(near,))

    response = await step(client, associate, f["id"], "short-pick", _short(1, 1, "not_found"))

    assert response.status_code == 200, response.text
    assert (response.json()["state"], response.json()["lines"][0]["short"]) == ("pending", 1)
    # Two units are in the tote (still on hand, still reserved); the shelf had none left.
    assert await world.level(sku, near) == {"on_hand": 2, "reserved": 2, "safety_stock": 0}
    assert (await hold_of(world, f["id"]))["units"] == 2
    assert await world.level(sku, far) == {"on_hand": 5, "reserved": 1, "safety_stock": 0}
    await world.assert_audit_clean()


async def test_damaged_units_are_written_off_and_the_rest_goes_on(
    client: Client, world: World
) -> None:
    near, far, sku = await _two_stores(world, 4, 5)
    order = await place(client, world, await world.channel(), [(sku, 3)])
    f = fulfilment(order)
    associate = await world.token("associate", locations=(near,))
    await advance(client, associate, f["id"], "start-picking", "pack")

    response = await step(client, associate, f["id"], "short-pick", _short(1, 1, "damaged"))

    assert response.status_code == 200, response.text
    assert response.json()["state"] == "packed"
    assert await world.level(sku, near) == {"on_hand": 3, "reserved": 2, "safety_stock": 0}
    assert (await movements(world, f["id"]))[1:] == [
        ("release", 0, -1, "damaged"),
        ("damage", -1, 0, "damaged"),
    ]
    assert await world.level(sku, far) == {"on_hand": 5, "reserved": 1, "safety_stock": 0}
    shipped = await step(
        client, associate, f["id"], "ship", {"carrier": "DPD", "tracking_number": "1"}
    )
    assert shipped.status_code == 200
    assert await world.level(sku, near) == {"on_hand": 1, "reserved": 0, "safety_stock": 0}
    await world.assert_audit_clean()


async def test_wrong_item_flags_a_count_without_changing_stock(
    client: Client, world: World
) -> None:
    near, _far, sku = await _two_stores(world, 3, 3)
    order = await place(client, world, await world.channel(), [(sku, 1)])
    f = fulfilment(order)
    associate = await world.token("associate", locations=(near,))
    assert not await _needs_count(world, sku, near)

    response = await step(client, associate, f["id"], "short-pick", _short(1, 1, "wrong_item"))

    assert response.status_code == 200, response.text
    assert response.json()["state"] == "rejected"
    assert await world.level(sku, near) == {"on_hand": 3, "reserved": 0, "safety_stock": 0}
    assert await _needs_count(world, sku, near)
    assert [m[0] for m in await movements(world, f["id"])] == ["reserve", "release"]
    await world.assert_audit_clean()


async def test_reject_gives_everything_back_and_avoids_the_store(
    client: Client, world: World
) -> None:
    near, far, sku = await _two_stores(world, 5, 5)
    other = await world.sku()
    await world.stock(other, near, 5)
    await world.stock(other, far, 5)
    order = await place(client, world, await world.channel(), [(sku, 2), (other, 1)])
    f = fulfilment(order)
    manager = await world.token("store_manager", locations=(near,))

    response = await step(client, manager, f["id"], "reject", {"reason": "no_capacity"})

    assert response.status_code == 200, response.text
    assert (response.json()["state"], response.json()["reason"]) == ("rejected", "no_capacity")
    assert [line["short"] for line in response.json()["lines"]] == [2, 1]
    # Nothing wrong with the shelf: stock stays, only the reservation goes.
    assert await world.level(sku, near) == {"on_hand": 5, "reserved": 0, "safety_stock": 0}
    assert await world.level(other, near) == {"on_hand": 5, "reserved": 0, "safety_stock": 0}
    after = await get_order(client, world, order["id"])
    moved = [x for x in after["fulfilments"] if x["id"] != f["id"]]
    assert [x["location"] for x in moved] == [far.code]
    assert await world.level(sku, far) == {"on_hand": 5, "reserved": 2, "safety_stock": 0}
    assert await world.level(other, far) == {"on_hand": 5, "reserved": 1, "safety_stock": 0}
    await world.assert_audit_clean()


async def test_nowhere_else_to_go_cancels_the_units_when_the_channel_takes_no_backorders(
    client: Client, world: World
) -> None:
    near, _, sku = await _two_stores(world, 2, 0)
    order = await place(client, world, await world.channel(backorders=False), [(sku, 2)])
    f = fulfilment(order)
    associate = await world.token("associate", locations=(near,))

    response = await step(client, associate, f["id"], "short-pick", _short(1, 2, "not_found"))

    assert response.status_code == 200, response.text
    after = await get_order(client, world, order["id"])
    assert after["status"] == "cancelled"
    assert after["lines"][0]["cancelled"] == 2
    assert "order.lines_cancelled" in await event_kinds(client, world, order["id"])
    await world.assert_audit_clean()


async def test_bad_short_picks_are_refused_and_change_nothing(client: Client, world: World) -> None:
    near, _, sku = await _two_stores(world, 4, 0)
    order = await place(client, world, await world.channel(), [(sku, 2)])
    f = fulfilment(order)
    associate = await world.token("associate", locations=(near,))
    before = await world.level(sku, near)

    too_many = await step(client, associate, f["id"], "short-pick", _short(1, 3, "not_found"))
    assert too_many.status_code == 422
    assert too_many.json()["extra"]["carried"] == 2
    twice = {
        "lines": [
            {"line_no": 1, "quantity_short": 2, "reason": "damaged"},
            {"line_no": 1, "quantity_short": 1, "reason": "not_found"},
        ]
    }
    assert (await step(client, associate, f["id"], "short-pick", twice)).status_code == 422
    unknown = await step(client, associate, f["id"], "short-pick", _short(1, 1, "stolen"))
    assert unknown.status_code == 422
    assert "not_found" in unknown.json()["detail"]
    no_line = await step(client, associate, f["id"], "short-pick", _short(9, 1, "not_found"))
    assert no_line.status_code == 422
    empty = await step(client, associate, f["id"], "short-pick", {"lines": []})
    assert empty.status_code == 400
    outsider = await world.token("associate", locations=(await world.location(),))
    hidden = await step(client, outsider, f["id"], "short-pick", _short(1, 1, "not_found"))
    assert hidden.status_code == 404

    assert await world.level(sku, near) == before
    assert await movements(world, f["id"]) == [("reserve", 0, 2, None)]
    assert "fulfilment.short_picked" not in await event_kinds(client, world, order["id"])

    await advance(client, associate, f["id"], "start-picking", "pack")
    await step(client, associate, f["id"], "ship", {"carrier": "DPD", "tracking_number": "1"})
    late = await step(client, associate, f["id"], "short-pick", _short(1, 1, "not_found"))
    assert late.status_code == 409
    assert late.json()["code"] == "invalid_state"
    assert (
        await step(client, associate, f["id"], "reject", {"reason": "other"})
    ).status_code == 409
    await world.assert_audit_clean()


async def test_a_short_transfer_is_short_on_the_pickup_it_feeds(
    client: Client, world: World
) -> None:
    store = await world.location()
    warehouse = await world.location(kind="warehouse", capabilities=["ship_from"], **MANCHESTER)
    sku = await world.sku()
    await world.stock(sku, store, 1)
    await world.stock(sku, warehouse, 2)
    channel = await world.channel(transfer_to_store=True)
    order = await place(
        client, world, channel, [(sku, 3)], {"method": "pickup", "location": store.code}
    )
    pickup, sender = fulfilment(order, "pickup"), fulfilment(order, "transfer")
    at_warehouse = await world.token("associate", locations=(warehouse,))

    response = await step(
        client, at_warehouse, sender["id"], "short-pick", _short(1, 2, "not_found")
    )

    assert response.status_code == 200, response.text
    assert response.json()["state"] == "rejected"
    assert await world.level(sku, warehouse) == {"on_hand": 0, "reserved": 0, "safety_stock": 0}
    after = await get_order(client, world, order["id"])
    fed = next(f for f in after["fulfilments"] if f["id"] == pickup["id"])
    # The pickup no longer waits: it goes on with the unit the store holds.
    assert (fed["state"], fed["lines"][0]["short"]) == ("pending", 2)
    at_store = await world.token("associate", locations=(store,))
    assert (await step(client, at_store, pickup["id"], "start-picking")).status_code == 200
    # No stock anywhere else: the two units are given up (no backorders).
    assert after["lines"][0]["cancelled"] == 2
    assert await world.level(sku, store) == {"on_hand": 1, "reserved": 1, "safety_stock": 0}
    await world.assert_audit_clean()
