"""The network stock look-up: breakdown, totals, nearby stores, barcodes."""

from __future__ import annotations

from typing import Any

from oms.db.models import Barcode, Location
from oms.domain.gtin import check_digit
from tests.support.world import World

LEEDS = (53.7997, -1.5492)
BRADFORD = (53.7960, -1.7594)  # 13.8 km from Leeds
WAKEFIELD = (53.6833, -1.4977)  # 13.4 km
YORK = (53.9590, -1.0815)  # 35.4 km
MANCHESTER = (53.4808, -2.2426)  # 57.9 km


async def store_at(world: World, where: tuple[float, float], **overrides: Any) -> Location:
    return await world.location(lat=where[0], lon=where[1], **overrides)


async def test_breakdown_and_totals_across_active_locations(world: World) -> None:
    a, b = await world.location(), await world.location(kind="warehouse")
    closed = await world.location(active=False)
    sku = await world.sku(name="Tent 2P")
    await world.stock(sku, a, 10, safety_stock=2)
    await world.stock(sku, b, 3, safety_stock=5)  # safety stock above on_hand: shows 0
    await world.stock(sku, closed, 50)
    hold = await world.client.post(
        "/holds",
        json={"location": a.code, "lines": [{"sku": sku.code, "quantity": 4}]},
        headers=await world.token("admin"),
    )
    assert hold.status_code == 201

    response = await world.client.get(
        f"/stock/{sku.code}", headers=await world.token("associate", (a,))
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["sku"], body["name"], body["active"]) == (sku.code, "Tent 2P", True)
    by_code = {entry["location"]: entry for entry in body["locations"]}
    assert set(by_code) == {a.code, b.code}
    assert by_code[a.code] == {
        "location": a.code,
        "name": a.name,
        "kind": "store",
        "on_hand": 10,
        "reserved": 4,
        "safety_stock": 2,
        "available": 4,
    }
    assert (by_code[b.code]["kind"], by_code[b.code]["available"]) == ("warehouse", 0)
    assert body["totals"] == {"on_hand": 13, "reserved": 4, "safety_stock": 7, "available": 4}
    assert (body["here"], body["origin"], body["nearby"]) == (None, None, [])


async def test_nearby_is_sorted_by_distance_within_the_radius(world: World) -> None:
    leeds = await store_at(world, LEEDS)
    bradford = await store_at(world, BRADFORD, capabilities=["walk_in"])
    wakefield = await store_at(world, WAKEFIELD)
    york = await store_at(world, YORK)
    manchester = await store_at(world, MANCHESTER)
    empty = await store_at(world, LEEDS)
    sku = await world.sku()
    for location, units in [(bradford, 2), (wakefield, 5), (york, 1), (manchester, 9)]:
        await world.stock(sku, location, units)
    await world.stock(sku, empty, 3, safety_stock=3)  # nothing available: not "nearby"
    headers = await world.token("associate", (leeds,))

    default = await world.client.get(
        f"/stock/{sku.code}", params={"near": leeds.code}, headers=headers
    )
    assert default.status_code == 200, default.text
    nearby = default.json()["nearby"]
    assert [(n["location"], n["distance_km"]) for n in nearby] == [
        (wakefield.code, 13.4),
        (bradford.code, 13.8),
    ]
    assert [(n["available"], n["pickup"]) for n in nearby] == [(5, True), (2, False)]
    assert nearby[0]["address"]["city"] == "Leeds"
    assert default.json()["origin"] == {
        "location": leeds.code,
        "lat": LEEDS[0],
        "lon": LEEDS[1],
        "radius_km": 25.0,
    }

    wide = await world.client.get(
        f"/stock/{sku.code}", params={"near": leeds.code, "radius_km": 60}, headers=headers
    )
    assert [n["location"] for n in wide.json()["nearby"]] == [
        wakefield.code,
        bradford.code,
        york.code,
        manchester.code,
    ]
    by_point = await world.client.get(
        f"/stock/{sku.code}",
        params={"lat": YORK[0], "lon": YORK[1], "radius_km": 1},
        headers=headers,
    )
    assert [(n["location"], n["distance_km"]) for n in by_point.json()["nearby"]] == [
        (york.code, 0.0)
    ]
    assert by_point.json()["origin"]["location"] is None


async def test_location_is_here_and_the_origin_and_left_out_of_nearby(world: World) -> None:
    leeds, wakefield = await store_at(world, LEEDS), await store_at(world, WAKEFIELD)
    elsewhere = await store_at(world, LEEDS)
    sku = await world.sku()
    await world.stock(sku, leeds, 6)
    await world.stock(sku, wakefield, 2)
    headers = await world.token("associate", (leeds,))

    response = await world.client.get(
        f"/stock/{sku.code}", params={"location": leeds.code}, headers=headers
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["here"]["location"], body["here"]["available"]) == (leeds.code, 6)
    assert body["origin"]["location"] == leeds.code
    assert [n["location"] for n in body["nearby"]] == [wakefield.code]

    # A store that never held the SKU still gets a "here" entry, with zeros.
    none_here = await world.client.get(
        f"/stock/{sku.code}", params={"location": elsewhere.code}, headers=headers
    )
    here = none_here.json()["here"]
    assert (here["location"], here["on_hand"], here["available"]) == (elsewhere.code, 0, 0)
    assert [n["location"] for n in none_here.json()["nearby"]] == [leeds.code, wakefield.code]


async def test_lookup_by_barcode(world: World) -> None:
    store = await world.location()
    sku = await world.sku()
    await world.stock(sku, store, 3)
    body = str(500_000_000_000 + sku.id)  # 12 digits; the 13th is the check digit
    gtin = body + str(check_digit(body))
    async with world.sessionmaker() as session, session.begin():
        session.add(Barcode(gtin=gtin, sku_id=sku.id))

    response = await world.client.get(
        f"/stock/{gtin}", headers=await world.token("integration", channel="web")
    )
    assert response.status_code == 200, response.text
    assert response.json()["sku"] == sku.code
    assert response.json()["totals"]["on_hand"] == 3


async def test_bad_look_ups_are_problems(world: World) -> None:
    store = await world.location()
    sku = await world.sku()
    headers = await world.token("admin")
    get = world.client.get

    unknown = await get("/stock/NO-SUCH-SKU-0000", headers=headers)
    assert unknown.status_code == 404
    assert unknown.headers["content-type"].startswith("application/problem+json")
    assert unknown.json()["code"] == "not_found"
    unknown_near = await get(f"/stock/{sku.code}", params={"near": "NOWHERE-1"}, headers=headers)
    assert unknown_near.status_code == 404
    half_point = await get(f"/stock/{sku.code}", params={"lat": 53.8}, headers=headers)
    assert half_point.status_code == 422
    both = await get(
        f"/stock/{sku.code}", params={"near": store.code, "lat": 1, "lon": 1}, headers=headers
    )
    assert both.status_code == 422
    too_far = await get(f"/stock/{sku.code}", params={"radius_km": 501}, headers=headers)
    assert too_far.status_code == 400
    assert too_far.json()["code"] == "validation_error"
    no_token = await get(f"/stock/{sku.code}")
    assert no_token.status_code == 401
