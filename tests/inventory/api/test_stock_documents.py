"""Stock documents through the HTTP API: every change on the ledger, all lines or none."""

from __future__ import annotations

from tests.support.stock import ledger_of
from tests.support.world import World


async def test_receipt_merges_lines_and_writes_one_movement_per_sku(world: World) -> None:
    store = await world.location()
    a, b = await world.sku(), await world.sku()
    await world.stock(a, store, 4)
    headers = await world.token("associate", (store,))

    response = await world.client.post(
        "/inventory/receipts",
        json={
            "location": store.code,
            "reference": "PO-1001",
            "lines": [
                {"sku": b.code, "quantity": 5},
                {"sku": a.code, "quantity": 2},
                {"sku": a.code, "quantity": 3},
            ],
        },
        headers=headers,
    )
    assert response.status_code == 201, response.text
    result = response.json()
    assert result["kind"] == "receipt"
    assert result["reference"] == "PO-1001"
    assert [(line["sku"], line["delta_on_hand"]) for line in result["lines"]] == [
        (a.code, 5),
        (b.code, 5),
    ]
    assert result["lines"][0]["level"]["on_hand"] == 9
    assert await world.level(a, store) == {"on_hand": 9, "reserved": 0, "safety_stock": 0}
    assert (await world.level(b, store))["on_hand"] == 5

    rows = await ledger_of(world, store, "PO-1001")
    assert [(r["sku"], r["kind"], r["delta_on_hand"], r["ref_type"]) for r in rows] == [
        (a.code, "receipt", 5, "receipt"),
        (b.code, "receipt", 5, "receipt"),
    ]
    assert all(r["actor"].startswith("associate:") for r in rows)
    await world.assert_audit_clean()


async def test_generated_reference_and_idempotent_retry(world: World) -> None:
    store = await world.location()
    sku = await world.sku()
    headers = {**await world.token("admin"), "Idempotency-Key": "rcpt-retry-1"}
    body = {"location": store.code, "lines": [{"sku": sku.code, "quantity": 7}]}

    first = await world.client.post("/inventory/receipts", json=body, headers=headers)
    again = await world.client.post("/inventory/receipts", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    reference = first.json()["reference"]
    assert reference.startswith("rcpt-")
    assert again.json() == first.json()
    assert (await world.level(sku, store))["on_hand"] == 7
    assert len(await ledger_of(world, store, reference)) == 1


async def test_walk_in_sale_below_zero_flags_a_count_and_the_count_clears_it(
    world: World,
) -> None:
    store = await world.location()
    sku = await world.sku()
    await world.stock(sku, store, 2)
    headers = await world.token("associate", (store,))

    sale = await world.client.post(
        "/inventory/sales",
        json={"location": store.code, "lines": [{"sku": sku.code, "quantity": 3}]},
        headers=headers,
    )
    assert sale.status_code == 201, sale.text
    level = sale.json()["lines"][0]["level"]
    assert (level["on_hand"], level["available"], level["needs_count"]) == (-1, 0, True)
    assert sale.json()["reference"].startswith("sale-")
    rows = await ledger_of(world, store, sale.json()["reference"])
    assert [(r["kind"], r["delta_on_hand"]) for r in rows] == [("sale", -3)]

    flagged = await world.client.get(
        "/inventory/levels", params={"location": store.code, "needs_count": "true"}, headers=headers
    )
    assert [item["sku"] for item in flagged.json()["items"]] == [sku.code]

    count = await world.client.post(
        "/inventory/counts",
        json={"location": store.code, "lines": [{"sku": sku.code, "counted": 4}]},
        headers=headers,
    )
    assert count.status_code == 201, count.text
    line = count.json()["lines"][0]
    assert line["delta_on_hand"] == 5
    assert (line["level"]["on_hand"], line["level"]["needs_count"]) == (4, False)
    flagged = await world.client.get(
        "/inventory/levels", params={"location": store.code, "needs_count": "true"}, headers=headers
    )
    assert flagged.json()["items"] == []
    await world.assert_audit_clean()


async def test_sale_needs_a_walk_in_location(world: World) -> None:
    warehouse = await world.location(kind="warehouse", capabilities=["ship_from"])
    sku = await world.sku()
    await world.stock(sku, warehouse, 5)
    response = await world.client.post(
        "/inventory/sales",
        json={"location": warehouse.code, "lines": [{"sku": sku.code, "quantity": 1}]},
        headers=await world.token("admin"),
    )
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"
    assert (await world.level(sku, warehouse))["on_hand"] == 5


async def test_damage_defaults_its_reason_and_spares_held_units(world: World) -> None:
    store = await world.location()
    sku = await world.sku()
    await world.stock(sku, store, 10)
    headers = await world.token("associate", (store,))
    hold = await world.client.post(
        "/holds",
        json={"location": store.code, "lines": [{"sku": sku.code, "quantity": 6}]},
        headers=headers,
    )
    assert hold.status_code == 201

    damaged = await world.client.post(
        "/inventory/damages",
        json={"location": store.code, "lines": [{"sku": sku.code, "quantity": 3}]},
        headers=headers,
    )
    assert damaged.status_code == 201, damaged.text
    rows = await ledger_of(world, store, damaged.json()["reference"])
    assert [(r["kind"], r["delta_on_hand"], r["reason"]) for r in rows] == [
        ("damage", -3, "damaged")
    ]

    # 7 on hand, 6 of them held: only 1 unreserved unit may be written off.
    refused = await world.client.post(
        "/inventory/damages",
        json={
            "location": store.code,
            "reference": "DMG-too-many",
            "reason": "water",
            "lines": [{"sku": sku.code, "quantity": 2}],
        },
        headers=headers,
    )
    assert refused.status_code == 409
    assert refused.headers["content-type"].startswith("application/problem+json")
    problem = refused.json()
    assert problem["code"] == "insufficient_stock"
    assert problem["extra"]["lines"] == [{"sku": sku.code, "requested": 2, "available": 1}]
    assert await world.level(sku, store) == {"on_hand": 7, "reserved": 6, "safety_stock": 0}
    assert await ledger_of(world, store, "DMG-too-many") == []
    await world.assert_audit_clean()


async def test_a_failing_second_line_rolls_the_first_back(world: World) -> None:
    store = await world.location()
    first, second = await world.sku(), await world.sku()  # ids ascend: applied in this order
    await world.stock(first, store, 10)
    await world.stock(second, store, 1)
    headers = await world.token("admin")

    damage = await world.client.post(
        "/inventory/damages",
        json={
            "location": store.code,
            "reference": "DMG-partial",
            "lines": [{"sku": second.code, "quantity": 2}, {"sku": first.code, "quantity": 8}],
        },
        headers=headers,
    )
    assert damage.status_code == 409
    # Availability is reported as it was before the document, not after its first line.
    assert damage.json()["extra"]["lines"] == [{"sku": second.code, "requested": 2, "available": 1}]
    adjustment = await world.client.post(
        "/inventory/adjustments",
        json={
            "location": store.code,
            "reason": "found",
            "reference": "ADJ-partial",
            "lines": [{"sku": first.code, "delta": 5}, {"sku": second.code, "delta": -4}],
        },
        headers=headers,
    )
    assert adjustment.status_code == 409
    assert adjustment.json()["extra"]["lines"] == [
        {"sku": second.code, "requested": 4, "available": 1}
    ]
    assert (await world.level(first, store))["on_hand"] == 10
    assert (await world.level(second, store))["on_hand"] == 1
    assert await ledger_of(world, store, "DMG-partial") == []
    assert await ledger_of(world, store, "ADJ-partial") == []
    await world.assert_audit_clean()


async def test_adjustment_applies_both_signs_with_its_reason(world: World) -> None:
    store = await world.location()
    up, down = await world.sku(), await world.sku()
    await world.stock(down, store, 5)
    headers = await world.token("store_manager", (store,))

    response = await world.client.post(
        "/inventory/adjustments",
        json={
            "location": store.code,
            "reason": "recount_correction",
            "note": "shelf 4",
            "lines": [{"sku": down.code, "delta": -2}, {"sku": up.code, "delta": 3}],
        },
        headers=headers,
    )
    assert response.status_code == 201, response.text
    rows = await ledger_of(world, store, response.json()["reference"])
    assert [(r["sku"], r["kind"], r["delta_on_hand"], r["reason"], r["note"]) for r in rows] == [
        (up.code, "adjustment", 3, "recount_correction", "shelf 4"),
        (down.code, "adjustment", -2, "recount_correction", "shelf 4"),
    ]
    assert (await world.level(up, store))["on_hand"] == 3
    assert (await world.level(down, store))["on_hand"] == 3
    await world.assert_audit_clean()


async def test_adjustment_and_count_refuse_ambiguous_lines(world: World) -> None:
    store = await world.location()
    sku = await world.sku()
    await world.stock(sku, store, 5)
    headers = await world.token("admin")
    post = world.client.post

    no_reason = await post(
        "/inventory/adjustments",
        json={"location": store.code, "lines": [{"sku": sku.code, "delta": 1}]},
        headers=headers,
    )
    assert no_reason.status_code == 400
    twice = await post(
        "/inventory/adjustments",
        json={
            "location": store.code,
            "reason": "found",
            "lines": [{"sku": sku.code, "delta": 1}, {"sku": sku.code, "delta": 2}],
        },
        headers=headers,
    )
    assert twice.status_code == 422
    assert twice.json()["extra"]["skus"] == [sku.code]
    zero = await post(
        "/inventory/adjustments",
        json={"location": store.code, "reason": "found", "lines": [{"sku": sku.code, "delta": 0}]},
        headers=headers,
    )
    assert zero.status_code == 422
    counted_twice = await post(
        "/inventory/counts",
        json={
            "location": store.code,
            "lines": [{"sku": sku.code, "counted": 1}, {"sku": sku.code, "counted": 2}],
        },
        headers=headers,
    )
    assert counted_twice.status_code == 422
    # The ledger records references up to 64 characters; longer ones are refused up front.
    long_reference = await post(
        "/inventory/receipts",
        json={
            "location": store.code,
            "reference": "R" * 65,
            "lines": [{"sku": sku.code, "quantity": 1}],
        },
        headers=headers,
    )
    assert long_reference.status_code == 422
    assert (await world.level(sku, store))["on_hand"] == 5


async def test_count_records_the_delta_and_a_matching_count_writes_nothing(world: World) -> None:
    store = await world.location()
    short, exact, new = await world.sku(), await world.sku(), await world.sku()
    await world.stock(short, store, 10)
    await world.stock(exact, store, 4)
    headers = await world.token("associate", (store,))

    response = await world.client.post(
        "/inventory/counts",
        json={
            "location": store.code,
            "reference": "CC-7",
            "lines": [
                {"sku": new.code, "counted": 2},
                {"sku": exact.code, "counted": 4},
                {"sku": short.code, "counted": 7},
            ],
        },
        headers=headers,
    )
    assert response.status_code == 201, response.text
    assert [(line["sku"], line["delta_on_hand"]) for line in response.json()["lines"]] == [
        (short.code, -3),
        (exact.code, 0),
        (new.code, 2),
    ]
    rows = await ledger_of(world, store, "CC-7")
    assert [(r["sku"], r["kind"], r["delta_on_hand"]) for r in rows] == [
        (short.code, "count", -3),
        (new.code, "count", 2),
    ]
    assert (await world.level(short, store))["on_hand"] == 7
    assert (await world.level(new, store))["on_hand"] == 2
    await world.assert_audit_clean()
