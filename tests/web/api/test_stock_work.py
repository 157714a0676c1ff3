"""The app's stock work screens: receive by scan, adjust, cycle count and damage, through
the services of the JSON API, at the store the associate stands in."""

from __future__ import annotations

import re
from typing import Any

from oms.db.models import Location, Sku
from tests.support.catalogue import new_gtin13
from tests.support.fulfilment import rows
from tests.support.web import SignedIn, sign_in
from tests.support.world import World

_KEY = re.compile(r'name="idempotency_key" value="(?P<key>[0-9a-f]+)"')


async def form_key(signed: SignedIn, path: str) -> str:
    """A fresh idempotency key from the screen's form (and its page's form token)."""
    page = await signed.get(path)
    assert page.status_code == 200, page.text
    found = _KEY.search(page.text)
    assert found is not None, page.text
    return found["key"]


async def post_form(signed: SignedIn, path: str, page: str, **fields: Any) -> Any:
    key = await form_key(signed, page)
    return await signed.post(path, {"idempotency_key": key, **fields})


async def ledger(world: World, sku: Sku, location: Location) -> list[dict[str, Any]]:
    return await rows(
        world,
        "SELECT kind, delta_on_hand, reason, actor, note FROM stock_movement"
        " WHERE sku_id = :sku AND location_id = :loc AND ref_type <> 'test' ORDER BY id",
        sku=sku.id,
        loc=location.id,
    )


async def barcoded_sku(world: World) -> tuple[Sku, str]:
    """A SKU with a barcode (added through the API, as the catalogue does)."""
    sku = await world.sku()
    admin = await world.token("admin")
    barcode = new_gtin13()
    response = await world.client.patch(
        f"/skus/{sku.code}", json={"barcodes": [barcode]}, headers=admin
    )
    assert response.status_code == 200, response.text
    return sku, barcode


async def test_the_menu_shows_only_what_the_role_may_do(world: World) -> None:
    store = await world.location()
    associate = await sign_in(world, "associate", (store,))
    menu = await associate.get("/app/stock-work")
    assert menu.status_code == 200
    for path in ("/app/stock-work/receive", "/app/stock-work/count", "/app/returns"):
        assert f'href="{path}"' in menu.text
    assert 'href="/app/stock-work/adjust"' not in menu.text
    manager = await sign_in(world, "store_manager", (store,))
    assert 'href="/app/stock-work/adjust"' in (await manager.get("/app/stock-work")).text


async def test_receive_by_barcode_adds_on_hand_with_its_ledger_row(world: World) -> None:
    store = await world.location()
    sku, barcode = await barcoded_sku(world)
    await world.stock(sku, store, 2)
    associate = await sign_in(world, "associate", (store,))

    answer = await post_form(
        associate,
        "/app/stock-work/receive",
        "/app/stock-work/receive",
        location=store.code,
        sku=barcode,
        quantity="5",
    )

    assert answer.status_code == 200, answer.text
    assert f"Received 5 of {sku.code}" in answer.text
    assert "On hand now 7 · available 7" in answer.text
    assert 'id="scan"' in answer.text
    assert "autofocus" in answer.text
    assert await world.level(sku, store) == {"on_hand": 7, "reserved": 0, "safety_stock": 0}
    assert [
        (m["kind"], m["delta_on_hand"], m["actor"]) for m in await ledger(world, sku, store)
    ] == [("receipt", 5, f"associate:{associate.username}")]
    await world.assert_audit_clean()


async def test_an_htmx_scan_swaps_the_work_area_and_the_feedback(world: World) -> None:
    store = await world.location()
    sku = await world.sku()
    associate = await sign_in(world, "associate", (store,))
    key = await form_key(associate, "/app/stock-work/receive")
    answer = await associate.post(
        "/app/stock-work/receive",
        {"idempotency_key": key, "location": store.code, "sku": sku.code, "quantity": "1"},
        headers={"HX-Request": "true"},
    )
    assert answer.status_code == 200, answer.text
    assert answer.text.lstrip().startswith('<div id="feedback" hx-swap-oob="innerHTML">')
    assert '<section id="work"' in answer.text
    assert "<html" not in answer.text
    new_key = _KEY.search(answer.text)
    assert new_key is not None
    assert new_key["key"] != key


async def test_a_double_submitted_receipt_is_recorded_once(world: World) -> None:
    store = await world.location()
    sku = await world.sku()
    associate = await sign_in(world, "associate", (store,))
    key = await form_key(associate, "/app/stock-work/receive")
    fields = {"idempotency_key": key, "location": store.code, "sku": sku.code, "quantity": "3"}

    first = await associate.post("/app/stock-work/receive", fields)
    second = await associate.post("/app/stock-work/receive", fields)

    assert first.status_code == second.status_code == 200
    assert second.headers.get("idempotent-replayed") == "true"
    assert second.text == first.text
    assert len(await ledger(world, sku, store)) == 1
    assert (await world.level(sku, store))["on_hand"] == 3


async def test_an_unknown_scan_is_refused_with_the_api_code(world: World) -> None:
    store = await world.location()
    associate = await sign_in(world, "associate", (store,))
    answer = await post_form(
        associate,
        "/app/stock-work/receive",
        "/app/stock-work/receive",
        location=store.code,
        sku="NO-SUCH-THING",
        quantity="1",
    )
    assert answer.status_code == 404
    assert "not_found" in answer.text
    assert "NO-SUCH-THING" in answer.text
    typed = await post_form(
        associate,
        "/app/stock-work/receive",
        "/app/stock-work/receive",
        location=store.code,
        sku="NO-SUCH-THING",
        quantity="two",
    )
    assert typed.status_code == 422
    assert "quantity must be a whole number from 1" in typed.text


async def test_adjust_as_a_store_manager_with_a_reason(world: World) -> None:
    store = await world.location()
    sku = await world.sku()
    await world.stock(sku, store, 10)
    manager = await sign_in(world, "store_manager", (store,))

    answer = await post_form(
        manager,
        "/app/stock-work/adjust",
        "/app/stock-work/adjust",
        location=store.code,
        sku=sku.code,
        direction="remove",
        quantity="4",
        reason="stolen",
        note="shelf found empty",
    )

    assert answer.status_code == 200, answer.text
    assert "On hand now 6 · available 6" in answer.text
    assert (await world.level(sku, store))["on_hand"] == 6
    assert [
        (m["kind"], m["delta_on_hand"], m["reason"], m["actor"], m["note"])
        for m in await ledger(world, sku, store)
    ] == [("adjustment", -4, "stolen", f"store_manager:{manager.username}", "shelf found empty")]
    await world.assert_audit_clean()


async def test_an_associate_may_not_adjust(world: World) -> None:
    store = await world.location()
    sku = await world.sku()
    await world.stock(sku, store, 10)
    associate = await sign_in(world, "associate", (store,))

    screen = await associate.get("/app/stock-work/adjust")
    assert screen.status_code == 403
    assert "forbidden" in screen.text
    # Posted directly (a form kept from another sign-in): the service refuses it.
    key = await form_key(associate, "/app/stock-work/receive")
    posted = await associate.post(
        "/app/stock-work/adjust",
        {
            "idempotency_key": key,
            "location": store.code,
            "sku": sku.code,
            "direction": "add",
            "quantity": "50",
            "reason": "found",
        },
    )
    assert posted.status_code == 403
    assert "forbidden" in posted.text
    assert (await world.level(sku, store))["on_hand"] == 10
    assert await ledger(world, sku, store) == []


async def test_a_cycle_count_records_the_difference(world: World) -> None:
    store = await world.location()
    sku = await world.sku()
    await world.stock(sku, store, 9)
    associate = await sign_in(world, "associate", (store,))

    found = await associate.get(f"/app/stock-work/count?sku={sku.code}")
    assert found.status_code == 200
    assert 'name="counted"' in found.text
    assert ">9<" not in found.text  # a blind count: the recorded figure is not shown
    key = _KEY.search(found.text)
    assert key is not None
    answer = await associate.post(
        "/app/stock-work/count",
        {"idempotency_key": key["key"], "location": store.code, "sku": sku.code, "counted": "7"},
    )

    assert answer.status_code == 200, answer.text
    assert "difference -2" in answer.text
    assert "Recorded before: 9" in answer.text
    assert (await world.level(sku, store))["on_hand"] == 7
    assert [(m["kind"], m["delta_on_hand"]) for m in await ledger(world, sku, store)] == [
        ("count", -2)
    ]
    await world.assert_audit_clean()


async def test_damage_writes_units_off_with_the_note(world: World) -> None:
    store = await world.location()
    sku = await world.sku()
    await world.stock(sku, store, 5)
    associate = await sign_in(world, "associate", (store,))

    answer = await post_form(
        associate,
        "/app/stock-work/damage",
        "/app/stock-work/damage",
        location=store.code,
        sku=sku.code,
        quantity="2",
        note="dropped by the till",
    )

    assert answer.status_code == 200, answer.text
    assert "On hand now 3 · available 3" in answer.text
    assert [
        (m["kind"], m["delta_on_hand"], m["reason"], m["note"])
        for m in await ledger(world, sku, store)
    ] == [("damage", -2, "damaged", "dropped by the till")]
    too_many = await post_form(
        associate,
        "/app/stock-work/damage",
        "/app/stock-work/damage",
        location=store.code,
        sku=sku.code,
        quantity="4",
    )
    assert too_many.status_code == 409
    assert "insufficient_stock" in too_many.text
    assert (await world.level(sku, store))["on_hand"] == 3
    await world.assert_audit_clean()


async def test_another_stores_associate_posting_for_this_store_is_refused(world: World) -> None:
    store = await world.location()
    elsewhere = await world.location()
    sku = await world.sku()
    await world.stock(sku, store, 5)
    outsider = await sign_in(world, "associate", (elsewhere,))

    for screen, fields in (
        ("receive", {"quantity": "5"}),
        ("damage", {"quantity": "1"}),
        ("count", {"counted": "0"}),
    ):
        answer = await post_form(
            outsider,
            f"/app/stock-work/{screen}",
            "/app/stock-work/receive",
            location=store.code,
            sku=sku.code,
            **fields,
        )
        assert answer.status_code == 403, (screen, answer.text)
        assert "outside this token" in answer.text

    assert await world.level(sku, store) == {"on_hand": 5, "reserved": 0, "safety_stock": 0}
    assert await ledger(world, sku, store) == []
    assert await world.level(sku, elsewhere) == {"on_hand": 0, "reserved": 0, "safety_stock": 0}
    await world.assert_audit_clean()
