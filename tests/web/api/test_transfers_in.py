"""Transfers arriving at the store, received in the app through the transfers service the
JSON API uses; read back through the JSON API."""

from __future__ import annotations

import re
from typing import Any

import pytest

from oms.db.models import Location, Sku
from oms.web import stock_work_views
from tests.support.fulfilment import rows
from tests.support.web import SignedIn, sign_in
from tests.support.world import World

_KEY = re.compile(r'name="idempotency_key" value="(?P<key>[0-9a-f]+)"')


async def send(world: World, source: Location, to: Location, lines: list[tuple[Sku, int]]) -> str:
    """A transfer sent through the API by the source's manager; its id."""
    manager = await world.token("store_manager", locations=(source,))
    response = await world.client.post(
        "/transfers",
        json={
            "from_location": source.code,
            "to_location": to.code,
            "lines": [{"sku": sku.code, "quantity": quantity} for sku, quantity in lines],
            "reference": "TR-1",
        },
        headers=manager,
    )
    assert response.status_code == 201, response.text
    transfer_id: str = response.json()["id"]
    return transfer_id


async def api_level(world: World, location: Location, sku: Sku) -> dict[str, Any]:
    admin = await world.token("admin")
    response = await world.client.get(
        "/inventory/levels", params={"location": location.code, "sku": sku.code}, headers=admin
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    assert len(items) == 1, items
    return items[0]


async def open_transfer(signed: SignedIn, transfer_id: str) -> str:
    page = await signed.get(f"/app/stock-work/transfers/{transfer_id}")
    assert page.status_code == 200, page.text
    found = _KEY.search(page.text)
    assert found is not None, page.text
    return found["key"]


async def test_a_transfer_from_another_store_is_received_as_counted(world: World) -> None:
    source = await world.location()
    store = await world.location()
    shirt = await world.sku()
    socks = await world.sku()
    await world.stock(shirt, source, 10)
    await world.stock(socks, source, 4)
    transfer_id = await send(world, source, store, [(shirt, 6), (socks, 4)])
    associate = await sign_in(world, "associate", (store,))

    receiving = await associate.get("/app/stock-work/receive")
    assert receiving.status_code == 200
    assert f'href="/app/stock-work/transfers/{transfer_id}"' in receiving.text
    key = await open_transfer(associate, transfer_id)
    first, second = sorted((shirt, socks), key=lambda s: s.code)
    counted = {shirt.code: "6", socks.code: "3"}  # one pair of socks never arrived
    answer = await associate.client.post(
        f"/app/stock-work/transfers/{transfer_id}/receive",
        data={
            "_csrf": associate.csrf,
            "idempotency_key": key,
            "mode": "counted",
            "sku": [first.code, second.code],
            "received": [counted[first.code], counted[second.code]],
            "note": "one pair missing",
        },
    )

    assert answer.status_code == 200, answer.text
    assert f"Received 9 units from {source.code}" in answer.text
    assert "1 short" in answer.text
    admin = await world.token("admin")
    transfer = (await world.client.get(f"/transfers/{transfer_id}", headers=admin)).json()
    assert transfer["status"] == "received"
    assert {
        line["sku"]: (line["received_quantity"], line["short"]) for line in transfer["lines"]
    } == {
        shirt.code: (6, 0),
        socks.code: (3, 1),
    }
    assert (await api_level(world, source, shirt))["on_hand"] == 4
    assert (await api_level(world, source, socks))["on_hand"] == 0
    assert (await api_level(world, store, shirt))["on_hand"] == 6
    assert (await api_level(world, store, socks))["on_hand"] == 3
    movements = await rows(
        world,
        "SELECT kind, delta_on_hand, actor, note FROM stock_movement"
        " WHERE ref_type = 'transfer' AND ref_id = :ref AND location_id = :loc ORDER BY id",
        ref=transfer_id,
        loc=store.id,
    )
    assert sorted((m["kind"], m["delta_on_hand"]) for m in movements) == [
        ("transfer_in", 3),
        ("transfer_in", 6),
    ]
    assert {m["actor"] for m in movements} == {f"associate:{associate.username}"}
    assert {m["note"] for m in movements} == {"one pair missing"}
    # Received: no longer listed as arriving.
    after = await associate.get("/app/stock-work/receive")
    assert transfer_id not in after.text
    await world.assert_audit_clean()


async def test_everything_arrived_receives_all_and_a_second_tap_changes_nothing(
    world: World,
) -> None:
    source = await world.location()
    store = await world.location()
    sku = await world.sku()
    await world.stock(sku, source, 5)
    transfer_id = await send(world, source, store, [(sku, 5)])
    associate = await sign_in(world, "associate", (store,))
    key = await open_transfer(associate, transfer_id)
    fields = {"idempotency_key": key, "mode": "all", "sku": sku.code, "received": "0"}

    first = await associate.post(f"/app/stock-work/transfers/{transfer_id}/receive", fields)
    again = await associate.post(f"/app/stock-work/transfers/{transfer_id}/receive", fields)

    assert first.status_code == again.status_code == 200, first.text
    assert again.headers.get("idempotent-replayed") == "true"
    assert (await api_level(world, store, sku))["on_hand"] == 5  # "all" ignores the counts
    # Another form for it (a second tablet's page): refused with the API's code.
    late = await associate.post(
        f"/app/stock-work/transfers/{transfer_id}/receive",
        {"idempotency_key": "0123456789abcdef", "mode": "all"},
    )
    assert late.status_code == 409
    assert "invalid_state" in late.text
    assert (await api_level(world, store, sku))["on_hand"] == 5
    await world.assert_audit_clean()


async def test_another_stores_associate_cannot_receive_it(world: World) -> None:
    source = await world.location()
    store = await world.location()
    elsewhere = await world.location()
    sku = await world.sku()
    await world.stock(sku, source, 5)
    transfer_id = await send(world, source, store, [(sku, 5)])
    outsider = await sign_in(world, "associate", (elsewhere,))

    assert (await outsider.get(f"/app/stock-work/transfers/{transfer_id}")).status_code == 404
    posted = await outsider.post(
        f"/app/stock-work/transfers/{transfer_id}/receive",
        {"idempotency_key": "0123456789abcdef", "mode": "all"},
    )

    assert posted.status_code == 404
    assert "not_found" in posted.text
    admin = await world.token("admin")
    transfer = (await world.client.get(f"/transfers/{transfer_id}", headers=admin)).json()
    assert transfer["status"] == "in_transit"
    assert (await world.level(sku, store))["on_hand"] == 0
    # The source's staff see it leaving, but it is not theirs to receive.
    sender = await sign_in(world, "associate", (source,))
    leaving = await sender.get(f"/app/stock-work/transfers/{transfer_id}")
    assert leaving.status_code == 200
    assert "Everything arrived" not in leaving.text
    refused = await sender.post(
        f"/app/stock-work/transfers/{transfer_id}/receive",
        {"idempotency_key": "fedcba9876543210", "mode": "all"},
    )
    assert refused.status_code == 403
    assert (await world.level(sku, store))["on_hand"] == 0
    await world.assert_audit_clean()


async def test_arriving_transfers_page_and_are_never_hidden_by_leaving_ones(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two per page; more leaving than arriving, as at a store that supplies others.
    monkeypatch.setattr(stock_work_views, "ARRIVING_SHOWN", 2)
    store, source = await world.location(), await world.location()
    sku = await world.sku()
    await world.stock(sku, store, 10)
    await world.stock(sku, source, 10)
    for _ in range(3):
        await send(world, store, source, [(sku, 1)])
    coming = [await send(world, source, store, [(sku, 1)]) for _ in range(3)]
    associate = await sign_in(world, "associate", (store,))

    first = await associate.get("/app/stock-work/receive")
    more = re.search(r'href="(/app/stock-work/receive\?cursor=[^"]+)"', first.text)
    assert more is not None, first.text
    second = await associate.get(more[1].replace("&amp;", "&"))

    shown = re.findall(r'/app/stock-work/transfers/([0-9a-f-]{36})"', first.text + second.text)
    assert shown == coming[::-1]
    assert "More transfers arriving" not in second.text
