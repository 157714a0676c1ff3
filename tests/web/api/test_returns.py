"""Returns at the counter in the app: find the order, take units back on the shelf or write
them off, through the returns service the JSON API uses; read back through the API."""

from __future__ import annotations

import re
from typing import Any

from oms.db.models import Location, Sku
from tests.support.fulfilment import advance, fulfilment, place, rows, step
from tests.support.web import SignedIn, sign_in
from tests.support.world import World

_KEY = re.compile(r'name="idempotency_key" value="(?P<key>[0-9a-f]+)"')


async def delivered(world: World, units: int = 3) -> tuple[Location, Sku, dict[str, Any]]:
    """An order of ``units`` at 10.00 each, shipped from a store; (store, sku, order)."""
    store = await world.location()
    sku = await world.sku()
    await world.stock(sku, store, units)
    order = await place(world.client, world, await world.channel(), [(sku, units)], price=1000)
    f = fulfilment(order)
    associate = await world.token("associate", locations=(store,))
    await advance(world.client, associate, f["id"], "start-picking", "pack")
    shipped = await step(
        world.client, associate, f["id"], "ship", {"carrier": "DPD", "tracking_number": "T1"}
    )
    assert shipped.status_code == 200, shipped.text
    return store, sku, order


async def open_order(signed: SignedIn, order: dict[str, Any]) -> str:
    page = await signed.get(f"/app/returns/{order['id']}")
    assert page.status_code == 200, page.text
    found = _KEY.search(page.text)
    assert found is not None, page.text
    return found["key"]


async def api_returns(world: World, order: dict[str, Any]) -> list[dict[str, Any]]:
    admin = await world.token("admin")
    response = await world.client.get(f"/orders/{order['id']}/returns", headers=admin)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def return_movements(world: World, return_id: str) -> list[tuple[str, int, int]]:
    found = await rows(
        world,
        "SELECT kind, delta_on_hand, location_id FROM stock_movement"
        " WHERE ref_type = 'return' AND ref_id = :ref ORDER BY id",
        ref=return_id,
    )
    return [(r["kind"], r["delta_on_hand"], r["location_id"]) for r in found]


async def test_a_return_found_by_order_number_goes_back_on_the_shelf(world: World) -> None:
    store, sku, order = await delivered(world)
    associate = await sign_in(world, "associate", (store,))

    found = await associate.get("/app/returns", params={"q": str(order["number"])})
    assert found.status_code == 200
    assert f'href="/app/returns/{order["id"]}"' in found.text
    key = await open_order(associate, order)
    answer = await associate.post(
        f"/app/returns/{order['id']}",
        {
            "idempotency_key": key,
            "location": store.code,
            "restock_1": "2",
            "damaged_1": "0",
            "reason": "unwanted",
            "refund": "20.00",
            "note": "",
        },
    )

    assert answer.status_code == 200, answer.text
    assert f"Return of 2 unit(s) recorded for order {order['number']}" in answer.text
    assert await world.level(sku, store) == {"on_hand": 2, "reserved": 0, "safety_stock": 0}
    [taken] = await api_returns(world, order)
    assert (taken["location"], taken["refund_amount"], taken["currency"]) == (
        store.code,
        2000,
        "GBP",
    )
    assert [(x["quantity"], x["disposition"], x["reason"]) for x in taken["lines"]] == [
        (2, "restock", "unwanted")
    ]
    assert taken["actor"] == f"associate:{associate.username}"
    assert await return_movements(world, taken["id"]) == [("return", 2, store.id)]
    # One unit is left to come back; the page now says so.
    again = await associate.get(f"/app/returns/{order['id']}")
    assert 'max="1"' in again.text
    assert "20.00" in again.text  # the refund, in pounds
    await world.assert_audit_clean()


async def test_a_damaged_return_at_another_store_after_a_customer_look_up(world: World) -> None:
    shipped_from, sku, order = await delivered(world)
    desk = await world.location()
    associate = await sign_in(world, "associate", (desk,))
    # Not this store's order: its number alone opens nothing.
    by_number = await associate.get("/app/returns", params={"q": str(order["number"])})
    assert f'href="/app/returns/{order["id"]}"' not in by_number.text
    assert (await associate.get(f"/app/returns/{order['id']}")).status_code == 404

    # The customer gives their email: the API's look-up opens their orders to this desk.
    by_email = await associate.get("/app/returns", params={"q": order["customer"]["email"]})
    assert by_email.status_code == 200
    assert f'href="/app/returns/{order["id"]}"' in by_email.text
    key = await open_order(associate, order)
    answer = await associate.post(
        f"/app/returns/{order['id']}",
        {"idempotency_key": key, "location": desk.code, "damaged_1": "1", "reason": "faulty"},
    )

    assert answer.status_code == 200, answer.text
    [taken] = await api_returns(world, order)
    assert taken["location"] == desk.code
    assert [(x["quantity"], x["disposition"]) for x in taken["lines"]] == [(1, "damaged")]
    # It came in and was written off at the desk: nothing sellable, both movements there.
    assert await world.level(sku, desk) == {"on_hand": 0, "reserved": 0, "safety_stock": 0}
    assert await world.level(sku, shipped_from) == {"on_hand": 0, "reserved": 0, "safety_stock": 0}
    assert await return_movements(world, taken["id"]) == [
        ("return", 1, desk.id),
        ("damage", -1, desk.id),
    ]
    await world.assert_audit_clean()


async def test_more_than_can_come_back_is_refused_with_nothing_written(world: World) -> None:
    store, sku, order = await delivered(world, units=2)
    associate = await sign_in(world, "associate", (store,))
    key = await open_order(associate, order)

    too_many = await associate.post(
        f"/app/returns/{order['id']}",
        {"idempotency_key": key, "location": store.code, "restock_1": "2", "damaged_1": "1"},
    )
    assert too_many.status_code == 422
    assert "invalid_input" in too_many.text
    nothing = await associate.post(
        f"/app/returns/{order['id']}",
        {"idempotency_key": key, "location": store.code, "restock_1": "0"},
    )
    assert nothing.status_code == 422
    assert "at least one line" in nothing.text
    refund = await associate.post(
        f"/app/returns/{order['id']}",
        {"idempotency_key": key, "location": store.code, "restock_1": "1", "refund": "10.001"},
    )
    assert refund.status_code == 422
    assert "not an amount in GBP" in refund.text

    assert await api_returns(world, order) == []
    assert await world.level(sku, store) == {"on_hand": 0, "reserved": 0, "safety_stock": 0}


async def test_another_stores_associate_posting_a_return_is_refused(world: World) -> None:
    store, sku, order = await delivered(world)
    elsewhere = await world.location()
    outsider = await sign_in(world, "associate", (elsewhere,))

    # Their own store, without looking the customer up: the order is missing to them.
    own_desk = await outsider.post(
        f"/app/returns/{order['id']}",
        {"idempotency_key": "0123456789abcdef", "location": elsewhere.code, "restock_1": "1"},
    )
    assert own_desk.status_code == 404
    # Naming the order's store: outside their stores.
    insider = await sign_in(world, "associate", (store,))
    key = await open_order(insider, order)
    other_desk = await outsider.post(
        f"/app/returns/{order['id']}",
        {"idempotency_key": key, "location": store.code, "restock_1": "1"},
    )
    assert other_desk.status_code == 404

    assert await api_returns(world, order) == []
    assert await world.level(sku, store) == {"on_hand": 0, "reserved": 0, "safety_stock": 0}
    assert await world.level(sku, elsewhere) == {"on_hand": 0, "reserved": 0, "safety_stock": 0}
    await world.assert_audit_clean()
