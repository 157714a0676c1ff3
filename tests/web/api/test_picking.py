"""Picking by scan in the app: start, scan each unit (a wrong item refused), finish, mark
ready; ship with carrier and tracking number; short pick with a reason."""

from __future__ import annotations

import uuid

from tests.support.fulfilment import event_kinds, get_order, picked, rows
from tests.support.web import sign_in
from tests.support.world import World
from tests.web.api.fulfilment_screens import (
    form_fields,
    fulfilment_state,
    pickup_order,
    ship_order,
    sku_with_barcode,
    submit,
)


async def test_a_two_line_pickup_is_picked_by_scanning_and_put_on_the_shelf(
    world: World,
) -> None:
    store = await world.location()
    tent, tent_gtin = await sku_with_barcode(world, "Tent")
    stove, _ = await sku_with_barcode(world, "Stove")
    order, f_id = await pickup_order(world, store, [(tent, 2), (stove, 1)])
    associate = await sign_in(world, "associate", (store,))
    path = f"/app/work/{f_id}"

    page = await associate.get(path)
    assert page.status_code == 200, page.text
    assert f"Order {order['number']}" in page.text
    assert "Pickup" in page.text
    assert tent.code in page.text
    assert "Tent" in page.text
    page = await submit(associate, page, f"{path}/start-picking")
    assert page.status_code == 200, page.text
    assert await fulfilment_state(world, f_id) == "picking"
    # The browser keeps the fulfilment's address, not the form's (a reload opens it).
    assert page.headers["hx-replace-url"] == path
    assert 'id="scan"' in page.text
    assert "autofocus" in page.text

    # One unit of the tent by its barcode.
    page = await submit(associate, page, f"{path}/scan", code=tent_gtin)
    assert page.status_code == 200, page.text
    assert "Counted" in page.text
    assert "Finish picking" not in page.text
    # A wrong item is refused in plain words and counts nothing.
    refused = await submit(associate, page, f"{path}/scan", code="5000000000000")
    assert refused.status_code == 422
    assert "is not on this pick list" in refused.text
    assert "invalid_input" in refused.text
    assert await picked(world.client, await world.token("admin"), f_id) == {
        tent.code: 1,
        stove.code: 0,
    }
    # More units than the line still needs are refused too.
    too_many = await submit(associate, page, f"{path}/scan", code=tent.code, quantity=2)
    assert too_many.status_code == 422
    assert "needs only 1 more" in too_many.text
    # The same form sent twice (a double Enter) counts once.
    page = await submit(associate, page, f"{path}/scan", code=tent.code.lower())
    again = await submit(associate, page, f"{path}/scan", code=stove.code, quantity=1)
    replayed = await associate.client.post(
        f"{path}/scan",
        data=form_fields(page.text, f"{path}/scan") | {"code": stove.code, "quantity": "1"},
    )
    assert replayed.headers.get("idempotent-replayed") == "true"
    assert await picked(world.client, await world.token("admin"), f_id) == {
        tent.code: 2,
        stove.code: 1,
    }
    # The count is kept: the page opened again (a reload, another tablet) shows it.
    page = await associate.get(path)
    assert "Finish picking" in page.text
    assert again.status_code == 200, again.text

    page = await submit(associate, page, f"{path}/finish-picking")
    assert page.status_code == 200, page.text
    assert await fulfilment_state(world, f_id) == "packed"
    page = await submit(associate, page, f"{path}/ready-for-pickup")
    assert page.status_code == 200, page.text
    assert "On the pickup shelf" in page.text
    assert await fulfilment_state(world, f_id) == "ready_for_pickup"
    admin = await world.token("admin")
    card = (await world.client.get(f"/fulfilments/{f_id}", headers=admin)).json()
    assert card["fulfilment"]["state"] == "ready_for_pickup"
    assert card["ready_at"] is not None
    assert (await event_kinds(world.client, world, order["id"]))[-3:] == [
        "fulfilment.picking",
        "fulfilment.packed",
        "fulfilment.ready_for_pickup",
    ]


async def test_the_pick_cannot_finish_before_every_unit_is_scanned(world: World) -> None:
    store = await world.location()
    tent, tent_gtin = await sku_with_barcode(world, "Tent")
    _, f_id = await pickup_order(world, store, [(tent, 2)])
    associate = await sign_in(world, "associate", (store,))
    path = f"/app/work/{f_id}"
    page = await submit(associate, await associate.get(path), f"{path}/start-picking")
    page = await submit(associate, page, f"{path}/scan", code=tent_gtin)

    # The page offers no finish yet; the form posted anyway is refused.
    assert "Finish picking" not in page.text
    refused = await associate.post(f"{path}/finish-picking", {"idempotency_key": "k-finish"})

    assert refused.status_code == 422, refused.text
    assert "1 of 2 picked" in refused.text
    assert await fulfilment_state(world, f_id) == "picking"


async def test_scanning_before_picking_started_is_refused(world: World) -> None:
    store = await world.location()
    tent, tent_gtin = await sku_with_barcode(world, "Tent")
    _, f_id = await pickup_order(world, store, [(tent, 1)])
    associate = await sign_in(world, "associate", (store,))

    refused = await associate.post(
        f"/app/work/{f_id}/scan", {"code": tent_gtin, "idempotency_key": "k-early"}
    )

    assert refused.status_code == 409
    assert "start picking first" in refused.text


async def test_marking_ready_twice_with_one_form_does_it_once(world: World) -> None:
    store = await world.location()
    tent, _ = await sku_with_barcode(world, "Tent")
    order, f_id = await pickup_order(world, store, [(tent, 1)])
    associate = await sign_in(world, "associate", (store,))
    path = f"/app/work/{f_id}"
    page = await submit(associate, await associate.get(path), f"{path}/start-picking")
    page = await submit(associate, page, f"{path}/scan", code=tent.code)
    page = await submit(associate, page, f"{path}/finish-picking")

    first = await submit(associate, page, f"{path}/ready-for-pickup")
    second = await submit(associate, page, f"{path}/ready-for-pickup")

    assert first.status_code == second.status_code == 200
    assert second.headers.get("idempotent-replayed") == "true"
    assert second.text == first.text
    kinds = await event_kinds(world.client, world, order["id"])
    assert kinds.count("fulfilment.ready_for_pickup") == 1
    notes = await rows(
        world,
        "SELECT count(*) AS n FROM notification WHERE order_id = :id",
        id=uuid.UUID(order["id"]),
    )
    assert notes[0]["n"] == 1


async def test_a_parcel_is_shipped_with_carrier_and_tracking_number(world: World) -> None:
    store = await world.location()
    tent, _ = await sku_with_barcode(world, "Tent")
    order, f_id = await ship_order(world, store, [(tent, 1)])
    associate = await sign_in(world, "associate", (store,))
    path = f"/app/work/{f_id}"
    page = await associate.get(path)
    assert "Ship to customer" in page.text
    page = await submit(associate, page, f"{path}/start-picking")
    page = await submit(associate, page, f"{path}/scan", code=tent.code)
    page = await submit(associate, page, f"{path}/finish-picking")
    assert 'id="carrier"' in page.text
    assert 'id="tracking-number"' in page.text
    assert 'id="carrier-tracking-url"' in page.text

    # Without a tracking number the API's own check refuses it, and so is a link that is
    # not https (typed past the browser's own check).
    refused = await submit(associate, page, f"{path}/ship", carrier="DPD", tracking_number="")
    assert refused.status_code == 422
    assert await fulfilment_state(world, f_id) == "packed"
    refused = await submit(
        associate,
        page,
        f"{path}/ship",
        carrier="DPD",
        tracking_number="15501234567890",
        carrier_tracking_url="javascript:alert(1)",
    )
    assert refused.status_code == 422
    assert "carrier_tracking_url" in refused.text
    assert await fulfilment_state(world, f_id) == "packed"
    link = "https://track.dpd.example/parcels/15501234567890"
    page = await submit(
        associate,
        page,
        f"{path}/ship",
        carrier="DPD",
        tracking_number="15501234567890",
        carrier_tracking_url=link,
    )

    assert page.status_code == 200, page.text
    assert "Shipped." in page.text
    admin = await world.token("admin")
    shipped = await world.client.get(f"/fulfilments/{f_id}", headers=admin)
    assert shipped.json()["fulfilment"]["state"] == "shipped"
    assert shipped.json()["fulfilment"]["carrier"] == "DPD"
    assert shipped.json()["fulfilment"]["tracking_number"] == "15501234567890"
    assert shipped.json()["fulfilment"]["carrier_tracking_url"] == link
    assert f'href="{link}"' in (await associate.get(path)).text
    assert (await get_order(world.client, world, order["id"]))["status"] == "completed"


async def test_a_short_pick_with_a_reason_releases_the_units(world: World) -> None:
    store = await world.location()
    tent, _ = await sku_with_barcode(world, "Tent")
    # Only this store sells on the channel: the released units are not routed elsewhere.
    order, f_id = await ship_order(world, store, [(tent, 2)])  # 5 on hand, 2 reserved
    associate = await sign_in(world, "associate", (store,))
    path = f"/app/work/{f_id}"
    page = await submit(associate, await associate.get(path), f"{path}/start-picking")
    line_no = order["lines"][0]["line_no"]

    page = await submit(
        associate,
        page,
        f"{path}/short-pick",
        line_no=line_no,
        quantity=2,
        reason="damaged",
        note="box crushed",
    )

    assert page.status_code == 200, page.text
    assert "Short pick recorded" in page.text
    admin = await world.token("admin")
    card = (await world.client.get(f"/fulfilments/{f_id}", headers=admin)).json()
    assert card["fulfilment"]["state"] == "rejected"
    assert card["fulfilment"]["reason"] == "damaged"
    assert card["fulfilment"]["lines"][0]["short"] == 2
    stock = await world.client.get(
        "/inventory/levels", params={"location": store.code, "sku": tent.code}, headers=admin
    )
    assert stock.status_code == 200, stock.text
    level = stock.json()["items"][0]
    assert (level["on_hand"], level["reserved"]) == (3, 0)
    assert "fulfilment.short_picked" in await event_kinds(world.client, world, order["id"])
    await world.assert_audit_clean()


async def test_a_short_pick_with_an_unknown_reason_is_refused(world: World) -> None:
    store = await world.location()
    tent, _ = await sku_with_barcode(world, "Tent")
    _, f_id = await pickup_order(world, store, [(tent, 2)])
    associate = await sign_in(world, "associate", (store,))
    path = f"/app/work/{f_id}"
    page = await submit(associate, await associate.get(path), f"{path}/start-picking")

    refused = await submit(
        associate, page, f"{path}/short-pick", line_no=1, quantity=1, reason="lost_it"
    )

    assert refused.status_code == 422
    assert "unknown short-pick reason" in refused.text
    assert await world.level(tent, store) == {"on_hand": 5, "reserved": 2, "safety_stock": 0}
