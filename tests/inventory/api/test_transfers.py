"""Transfers through the HTTP API: send, in transit, receive (in full or short), access."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import text

from oms.db.models import Location, Sku
from tests.support.pages import read_all_pages
from tests.support.world import World


async def _movements(world: World, transfer_id: str) -> list[tuple[str, str, str, int]]:
    """(kind, location code, sku code, delta_on_hand) of every movement of the transfer."""
    async with world.sessionmaker() as session:
        rows = await session.execute(
            text(
                "SELECT m.kind, l.code, s.code, m.delta_on_hand FROM stock_movement m"
                " JOIN location l ON l.id = m.location_id JOIN sku s ON s.id = m.sku_id"
                " WHERE m.ref_type = 'transfer' AND m.ref_id = :id ORDER BY m.id"
            ),
            {"id": transfer_id},
        )
        return [(kind, loc, sku, delta) for kind, loc, sku, delta in rows]


async def _transfers_from(world: World, location: Location) -> int:
    async with world.sessionmaker() as session:
        count = await session.scalar(
            text("SELECT count(*) FROM transfer WHERE from_location_id = :l"),
            {"l": location.id},
        )
        return int(count or 0)


async def _send(
    world: World,
    source: Location,
    destination: Location,
    lines: list[tuple[Sku, int]],
    headers: dict[str, str],
) -> Any:
    return await world.client.post(
        "/transfers",
        json={
            "from_location": source.code,
            "to_location": destination.code,
            "lines": [{"sku": sku.code, "quantity": q} for sku, q in lines],
            "reference": "TR-1",
        },
        headers=headers,
    )


async def test_full_flow_moves_stock_through_transit(world: World) -> None:
    warehouse, store = await world.location(kind="warehouse"), await world.location()
    a, b = await world.sku(), await world.sku()
    await world.stock(a, warehouse, 10)
    await world.stock(b, warehouse, 4)
    admin = await world.token("admin")

    sent = await _send(world, warehouse, store, [(a, 6), (b, 4)], admin)
    assert sent.status_code == 201, sent.text
    transfer = sent.json()
    assert transfer["status"] == "in_transit"
    assert transfer["from_location"] == warehouse.code
    assert transfer["to_location"] == store.code
    assert transfer["received_at"] is None
    assert {(line["sku"], line["quantity"], line["short"]) for line in transfer["lines"]} == {
        (a.code, 6, None),
        (b.code, 4, None),
    }
    # In transit: gone from the source, not yet at the destination.
    assert (await world.level(a, warehouse))["on_hand"] == 4
    assert (await world.level(b, warehouse))["on_hand"] == 0
    assert (await world.level(a, store))["on_hand"] == 0

    for place in (store, warehouse):
        listed = await world.client.get(
            "/transfers", params={"status": "in_transit", "location": place.code}, headers=admin
        )
        assert listed.status_code == 200, listed.text
        assert [t["id"] for t in listed.json()["items"]] == [transfer["id"]]

    received = await world.client.post(f"/transfers/{transfer['id']}/receive", headers=admin)
    assert received.status_code == 200, received.text
    body = received.json()
    assert body["status"] == "received"
    assert body["received_at"] is not None
    assert all(line["received_quantity"] == line["quantity"] for line in body["lines"])
    assert all(line["short"] == 0 for line in body["lines"])
    assert (await world.level(a, store))["on_hand"] == 6
    assert (await world.level(b, store))["on_hand"] == 4

    assert sorted(await _movements(world, transfer["id"])) == sorted(
        [
            ("transfer_out", warehouse.code, a.code, -6),
            ("transfer_out", warehouse.code, b.code, -4),
            ("transfer_in", store.code, a.code, 6),
            ("transfer_in", store.code, b.code, 4),
        ]
    )
    still = await world.client.get(
        "/transfers", params={"status": "in_transit", "location": store.code}, headers=admin
    )
    assert still.json()["items"] == []
    fetched = await world.client.get(f"/transfers/{transfer['id']}", headers=admin)
    assert fetched.status_code == 200
    assert fetched.json() == body
    await world.assert_audit_clean()


async def test_partial_receipt_records_the_transit_loss(world: World) -> None:
    source, destination = await world.location(), await world.location()
    a, b, stranger = await world.sku(), await world.sku(), await world.sku()
    await world.stock(a, source, 5)
    await world.stock(b, source, 3)
    admin = await world.token("admin")
    transfer = (await _send(world, source, destination, [(a, 5), (b, 3)], admin)).json()
    url = f"/transfers/{transfer['id']}/receive"

    unknown = await world.client.post(
        url, json={"lines": [{"sku": stranger.code, "received": 1}]}, headers=admin
    )
    assert unknown.status_code == 422
    too_many = await world.client.post(
        url, json={"lines": [{"sku": a.code, "received": 6}]}, headers=admin
    )
    assert too_many.status_code == 422
    assert (await world.client.get(f"/transfers/{transfer['id']}", headers=admin)).json()[
        "status"
    ] == "in_transit"

    received = await world.client.post(
        url,
        json={"lines": [{"sku": a.code, "received": 3}], "note": "box 2 crushed"},
        headers=admin,
    )
    assert received.status_code == 200, received.text
    lines = {line["sku"]: line for line in received.json()["lines"]}
    assert lines[a.code] == {"sku": a.code, "quantity": 5, "received_quantity": 3, "short": 2}
    assert lines[b.code] == {"sku": b.code, "quantity": 3, "received_quantity": 3, "short": 0}
    assert (await world.level(a, destination))["on_hand"] == 3
    assert (await world.level(a, source))["on_hand"] == 0
    assert ("transfer_in", destination.code, a.code, 3) in await _movements(world, transfer["id"])
    await world.assert_audit_clean()


async def test_nothing_received_writes_no_transfer_in(world: World) -> None:
    source, destination = await world.location(), await world.location()
    sku = await world.sku()
    await world.stock(sku, source, 2)
    admin = await world.token("admin")
    transfer = (await _send(world, source, destination, [(sku, 2)], admin)).json()

    received = await world.client.post(
        f"/transfers/{transfer['id']}/receive",
        json={"lines": [{"sku": sku.code, "received": 0}]},
        headers=admin,
    )
    assert received.status_code == 200, received.text
    assert received.json()["lines"][0]["short"] == 2
    assert [m[0] for m in await _movements(world, transfer["id"])] == ["transfer_out"]
    await world.assert_audit_clean()


async def test_short_source_stock_refuses_everything(world: World) -> None:
    source, destination = await world.location(), await world.location()
    a, b = await world.sku(), await world.sku()
    await world.stock(a, source, 10)
    await world.stock(b, source, 2)
    admin = await world.token("admin")

    response = await _send(world, source, destination, [(a, 3), (b, 3)], admin)
    assert response.status_code == 409
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["code"] == "insufficient_stock"
    assert problem["extra"]["lines"] == [{"sku": b.code, "requested": 3, "available": 2}]
    assert (await world.level(a, source))["on_hand"] == 10
    assert (await world.level(b, source))["on_hand"] == 2
    assert await _transfers_from(world, source) == 0
    await world.assert_audit_clean()


async def test_reserved_units_cannot_travel(world: World) -> None:
    source, destination = await world.location(), await world.location()
    sku = await world.sku()
    await world.stock(sku, source, 5)
    admin = await world.token("admin")
    hold = await world.client.post(
        "/holds",
        json={"location": source.code, "lines": [{"sku": sku.code, "quantity": 3}]},
        headers=admin,
    )
    assert hold.status_code == 201, hold.text

    refused = await _send(world, source, destination, [(sku, 3)], admin)
    assert refused.status_code == 409
    assert refused.json()["extra"]["lines"] == [{"sku": sku.code, "requested": 3, "available": 2}]
    allowed = await _send(world, source, destination, [(sku, 2)], admin)
    assert allowed.status_code == 201, allowed.text
    assert await world.level(sku, source) == {"on_hand": 3, "reserved": 3, "safety_stock": 0}
    await world.assert_audit_clean()


async def test_bad_destinations_are_refused(world: World) -> None:
    source, closed = await world.location(), await world.location(active=False)
    sku = await world.sku()
    await world.stock(sku, source, 5)
    admin = await world.token("admin")

    same = await _send(world, source, source, [(sku, 1)], admin)
    assert same.status_code == 422
    inactive = await _send(world, source, closed, [(sku, 1)], admin)
    assert inactive.status_code == 404
    assert await _transfers_from(world, source) == 0
    assert (await world.level(sku, source))["on_hand"] == 5


async def test_receiving_twice_is_refused(world: World) -> None:
    source, destination = await world.location(), await world.location()
    sku = await world.sku()
    await world.stock(sku, source, 5)
    admin = await world.token("admin")
    transfer = (await _send(world, source, destination, [(sku, 5)], admin)).json()

    first = await world.client.post(f"/transfers/{transfer['id']}/receive", headers=admin)
    assert first.status_code == 200
    second = await world.client.post(f"/transfers/{transfer['id']}/receive", headers=admin)
    assert second.status_code == 409
    assert second.json()["code"] == "invalid_state"
    assert (await world.level(sku, destination))["on_hand"] == 5
    await world.assert_audit_clean()


async def test_concurrent_receives_add_the_units_once(world: World) -> None:
    source, destination = await world.location(), await world.location()
    sku = await world.sku()
    await world.stock(sku, source, 7)
    admin = await world.token("admin")
    transfer = (await _send(world, source, destination, [(sku, 7)], admin)).json()

    responses = await asyncio.gather(
        *(
            world.client.post(f"/transfers/{transfer['id']}/receive", headers=admin)
            for _ in range(2)
        )
    )
    assert sorted(r.status_code for r in responses) == [200, 409]
    assert (await world.level(sku, destination))["on_hand"] == 7
    kinds = [m[0] for m in await _movements(world, transfer["id"])]
    assert kinds.count("transfer_in") == 1
    await world.assert_audit_clean()


async def test_who_may_send_receive_and_see(world: World) -> None:
    source, destination, elsewhere = (
        await world.location(),
        await world.location(),
        await world.location(),
    )
    sku = await world.sku()
    await world.stock(sku, source, 10)
    source_associate = await world.token("associate", (source,))
    source_manager = await world.token("store_manager", (source,))
    destination_associate = await world.token("associate", (destination,))
    other_manager = await world.token("store_manager", (elsewhere,))

    refused = await _send(world, source, destination, [(sku, 4)], source_associate)
    assert refused.status_code == 403
    assert refused.json()["code"] == "forbidden"
    not_theirs = await _send(world, source, destination, [(sku, 4)], other_manager)
    assert not_theirs.status_code == 403
    sent = await _send(world, source, destination, [(sku, 4)], source_manager)
    assert sent.status_code == 201, sent.text
    transfer_id = sent.json()["id"]

    for headers in (source_associate, destination_associate, source_manager):
        seen = await world.client.get(f"/transfers/{transfer_id}", headers=headers)
        assert seen.status_code == 200, seen.text
    hidden = await world.client.get(f"/transfers/{transfer_id}", headers=other_manager)
    assert hidden.status_code == 404
    missing = await world.client.get(
        "/transfers/00000000-0000-0000-0000-000000000000", headers=other_manager
    )
    assert hidden.json()["detail"] == missing.json()["detail"]
    other_list = await world.client.get("/transfers", headers=other_manager)
    assert transfer_id not in {t["id"] for t in other_list.json()["items"]}
    own_list = await world.client.get(
        "/transfers", params={"status": "in_transit"}, headers=destination_associate
    )
    assert [t["id"] for t in own_list.json()["items"]] == [transfer_id]

    stolen = await world.client.post(f"/transfers/{transfer_id}/receive", headers=other_manager)
    assert stolen.status_code == 404
    wrong_end = await world.client.post(
        f"/transfers/{transfer_id}/receive", headers=source_associate
    )
    assert wrong_end.status_code == 403
    received = await world.client.post(
        f"/transfers/{transfer_id}/receive", headers=destination_associate
    )
    assert received.status_code == 200, received.text
    assert await world.level(sku, destination) == {"on_hand": 4, "reserved": 0, "safety_stock": 0}
    await world.assert_audit_clean()


async def test_transfers_page_through_every_row_once(world: World) -> None:
    warehouse, store = await world.location(kind="warehouse"), await world.location()
    sku = await world.sku()
    await world.stock(sku, warehouse, 10)
    admin = await world.token("admin")
    for _ in range(5):
        assert (await _send(world, warehouse, store, [(sku, 1)], admin)).status_code == 201
    whole = await world.client.get("/transfers", params={"location": warehouse.code}, headers=admin)
    newest_first = [t["id"] for t in whole.json()["items"]]
    assert len(newest_first) == 5

    paged = await read_all_pages(world.client, "/transfers", admin, 2, location=warehouse.code)
    assert [t["id"] for t in paged] == newest_first

    # Transfers made at the same moment: the id orders them, and none is lost between pages.
    async with world.sessionmaker() as session, session.begin():
        await session.execute(
            text("UPDATE transfer SET created_at = now() WHERE from_location_id = :l"),
            {"l": warehouse.id},
        )
    tied = await read_all_pages(world.client, "/transfers", admin, 2, location=warehouse.code)
    assert [t["id"] for t in tied] == sorted(newest_first)


async def test_a_direction_lists_only_what_comes_to_or_leaves_the_location(world: World) -> None:
    store, elsewhere = await world.location(), await world.location()
    sku = await world.sku()
    await world.stock(sku, store, 10)
    await world.stock(sku, elsewhere, 10)
    admin = await world.token("admin")
    leaving = [(await _send(world, store, elsewhere, [(sku, 1)], admin)).json()["id"] for _ in "ab"]
    coming = [(await _send(world, elsewhere, store, [(sku, 1)], admin)).json()["id"] for _ in "abc"]

    def listed(direction: str | None) -> Any:
        params = {"location": store.code, "status": "in_transit"}
        if direction is not None:
            params["direction"] = direction
        return world.client.get("/transfers", params=params, headers=admin)

    both, arriving, departing = await listed(None), await listed("in"), await listed("out")

    assert {t["id"] for t in both.json()["items"]} == set(leaving + coming)
    assert [t["id"] for t in arriving.json()["items"]] == coming[::-1]
    assert [t["id"] for t in departing.json()["items"]] == leaving[::-1]
    no_place = await world.client.get("/transfers", params={"direction": "in"}, headers=admin)
    assert no_place.status_code == 422
    assert no_place.json()["code"] == "invalid_input"
    wrong = await world.client.get(
        "/transfers", params={"location": store.code, "direction": "sideways"}, headers=admin
    )
    assert wrong.status_code == 400
