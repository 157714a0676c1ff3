"""Click and collect: ready for pickup, the customer's code, the manager's override."""

from __future__ import annotations

import uuid

from tests.support.fulfilment import (
    Client,
    advance,
    event_kinds,
    fulfilment,
    get_order,
    movements,
    place,
    ready_pickup,
    rows,
    step,
)
from tests.support.orders import pickup_at
from tests.support.world import World


async def _code(world: World, fulfilment_id: str) -> str:
    found = await rows(
        world, "SELECT pickup_code FROM fulfilment WHERE id = :id", id=uuid.UUID(fulfilment_id)
    )
    return str(found[0]["pickup_code"])


async def _state(world: World, fulfilment_id: str) -> str:
    found = await rows(
        world, "SELECT state FROM fulfilment WHERE id = :id", id=uuid.UUID(fulfilment_id)
    )
    return str(found[0]["state"])


async def test_ready_for_pickup_mails_the_code_with_the_store_details(
    client: Client, world: World
) -> None:
    store, _, order, f, _ = await ready_pickup(client, world)

    code = await _code(world, f["id"])
    notes = await rows(
        world,
        "SELECT kind, recipient, subject, body, data, status FROM notification"
        " WHERE order_id = :id",
        id=uuid.UUID(order["id"]),
    )
    assert len(notes) == 1
    note = notes[0]
    assert (note["kind"], note["recipient"]) == ("ready_for_pickup", "ann@example.com")
    # Sent after the commit by the in-process worker: it may have gone already.
    assert note["status"] in ("pending", "sent")
    assert note["data"]["pickup_code"] == code
    assert note["data"]["order_number"] == order["number"]
    assert note["data"]["store_name"] == "Leeds Briggate"
    assert note["data"]["store_address"]["city"] == "Leeds"
    assert note["data"]["opening_hours"] == {"mon": [["09:00", "17:30"]]}
    assert code in note["body"]
    assert "Leeds Briggate" in note["body"]
    ready_at = await rows(
        world, "SELECT ready_at FROM fulfilment WHERE id = :id", id=uuid.UUID(f["id"])
    )
    assert ready_at[0]["ready_at"] is not None
    # The code goes to the customer only, not into the store's responses.
    card = await client.get(f"/fulfilments/{f['id']}", headers=await world.token("admin"))
    assert code not in card.text
    assert store.code == card.json()["fulfilment"]["location"]


async def test_wrong_code_is_refused_and_changes_nothing(client: Client, world: World) -> None:
    store, sku, order, f, associate = await ready_pickup(client, world)
    code = await _code(world, f["id"])
    wrong = "".join("A" if ch != "A" else "C" for ch in code)
    level_before = await world.level(sku, store)
    events_before = await event_kinds(client, world, order["id"])

    refused = await step(client, associate, f["id"], "hand-over", {"code": wrong})

    assert refused.status_code == 422
    assert refused.json()["code"] == "pickup_code_mismatch"
    assert await _state(world, f["id"]) == "ready_for_pickup"
    assert (
        await world.level(sku, store)
        == level_before
        == {
            "on_hand": 5,
            "reserved": 2,
            "safety_stock": 0,
        }
    )
    assert await movements(world, f["id"]) == [("reserve", 0, 2, None)]
    # Only the try itself is recorded (the lock after several: test_pickup_code_lock).
    assert await event_kinds(client, world, order["id"]) == [
        *events_before,
        "fulfilment.pickup_code_wrong",
    ]
    await world.assert_audit_clean()


async def test_right_code_hands_over_and_ships_the_units(client: Client, world: World) -> None:
    store, sku, order, f, associate = await ready_pickup(client, world)
    code = await _code(world, f["id"])
    typed = f"{code[:3].lower()}-{code[3:]}"  # as a person might type it

    handed = await step(client, associate, f["id"], "hand-over", {"code": typed})

    assert handed.status_code == 200, handed.text
    assert handed.json()["state"] == "picked_up"
    assert await world.level(sku, store) == {"on_hand": 3, "reserved": 0, "safety_stock": 0}
    assert await movements(world, f["id"]) == [
        ("reserve", 0, 2, None),
        ("ship", -2, -2, "picked_up"),
    ]
    assert (await get_order(client, world, order["id"]))["status"] == "completed"
    assert (await event_kinds(client, world, order["id"]))[-1] == "fulfilment.picked_up"
    again = await step(client, associate, f["id"], "hand-over", {"code": code})
    assert again.status_code == 409
    await world.assert_audit_clean()


async def test_override_is_for_store_managers_only(client: Client, world: World) -> None:
    store, sku, _order, f, associate = await ready_pickup(client, world)
    override = {"override_reason": "lost the email, ID checked"}

    refused = await step(client, associate, f["id"], "hand-over", override)

    assert refused.status_code == 403
    assert refused.json()["code"] == "forbidden"
    assert await _state(world, f["id"]) == "ready_for_pickup"
    assert await world.level(sku, store) == {"on_hand": 5, "reserved": 2, "safety_stock": 0}

    other_manager = await world.token("store_manager", locations=(await world.location(),))
    hidden = await step(client, other_manager, f["id"], "hand-over", override)
    assert hidden.status_code == 404

    manager = await world.token("store_manager", locations=(store,))
    handed = await step(client, manager, f["id"], "hand-over", override)

    assert handed.status_code == 200, handed.text
    assert handed.json()["state"] == "picked_up"
    assert await world.level(sku, store) == {"on_hand": 3, "reserved": 0, "safety_stock": 0}
    detail = await rows(
        world,
        "SELECT actor, detail FROM order_event WHERE fulfilment_id = :id"
        " AND kind = 'fulfilment.picked_up'",
        id=uuid.UUID(f["id"]),
    )
    assert detail[0]["detail"]["verified_by"] == "override"
    assert detail[0]["detail"]["override_reason"] == override["override_reason"]
    assert detail[0]["actor"].startswith("store_manager:")
    await world.assert_audit_clean()


async def test_pickup_steps_out_of_order_are_refused(client: Client, world: World) -> None:
    store = await world.location()
    sku = await world.sku()
    await world.stock(sku, store, 3)
    order = await place(client, world, await world.channel(), [(sku, 1)], pickup_at(store))
    f = fulfilment(order, "pickup")
    associate = await world.token("associate", locations=(store,))

    early = await step(client, associate, f["id"], "hand-over", {"code": "ACDEFG"})
    assert early.status_code == 409
    assert (await step(client, associate, f["id"], "ready-for-pickup")).status_code == 409
    await advance(client, associate, f["id"], "start-picking", "pack")
    shipped = await step(
        client, associate, f["id"], "ship", {"carrier": "DPD", "tracking_number": "1"}
    )
    assert shipped.status_code == 409
    assert "hand it over" in shipped.json()["detail"]
    both = await step(
        client, associate, f["id"], "hand-over", {"code": "ACDEFG", "override_reason": "why not"}
    )
    assert both.status_code == 400
    neither = await step(client, associate, f["id"], "hand-over", {})
    assert neither.status_code == 400
    assert await _state(world, f["id"]) == "packed"
    assert await world.level(sku, store) == {"on_hand": 3, "reserved": 1, "safety_stock": 0}
    await world.assert_audit_clean()


async def test_a_ship_order_is_never_ready_for_pickup(client: Client, world: World) -> None:
    store = await world.location()
    sku = await world.sku()
    await world.stock(sku, store, 3)
    order = await place(client, world, await world.channel(), [(sku, 1)])
    f = fulfilment(order, "ship")
    associate = await world.token("associate", locations=(store,))
    await advance(client, associate, f["id"], "start-picking", "pack")

    refused = await step(client, associate, f["id"], "ready-for-pickup")

    assert refused.status_code == 409
    assert "ready_for_pickup" in refused.json()["detail"]
    assert (
        await rows(
            world, "SELECT id FROM notification WHERE order_id = :id", id=uuid.UUID(order["id"])
        )
        == []
    )
