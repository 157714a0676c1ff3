"""Locations through the HTTP API: CRUD, validation, uniqueness, filters, who may change them."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest

from tests.support.catalogue import ADDRESS, location_body
from tests.support.world import World, unique


async def test_location_create_read_update_delete(world: World) -> None:
    admin = await world.token("admin")
    body = location_body()
    code = body["code"]

    created = await world.client.post("/locations", json=body, headers=admin)
    assert created.status_code == 201, created.text
    out = created.json()
    assert out["code"] == code
    assert out["address"]["country"] == "GB"
    assert out["address"]["line2"] is None
    assert out["opening_hours"]["mon"] == [["09:00", "12:30"], ["13:30", "17:30"]]
    assert out["opening_hours"]["sun"] == []
    assert out["capabilities"] == ["pickup", "walk_in"]
    assert out["active"] is True

    fetched = await world.client.get(f"/locations/{code}", headers=admin)
    assert fetched.status_code == 200
    assert fetched.json() == out

    patched = await world.client.patch(
        f"/locations/{code}",
        json={"name": "Leeds Briggate (flagship)", "capabilities": ["ship_from"]},
        headers=admin,
    )
    assert patched.status_code == 200, patched.text
    after = patched.json()
    assert after["name"] == "Leeds Briggate (flagship)"
    assert after["capabilities"] == ["ship_from"]
    # Everything not sent is untouched.
    for field in ("kind", "address", "lat", "lon", "timezone", "opening_hours", "priority"):
        assert after[field] == out[field]
    assert after["updated_at"] > out["updated_at"]

    # null is not "clear": the field is not nullable, so it is refused.
    refused = await world.client.patch(f"/locations/{code}", json={"name": None}, headers=admin)
    assert refused.status_code == 400
    assert (await world.client.get(f"/locations/{code}", headers=admin)).json()["name"] == (
        "Leeds Briggate (flagship)"
    )

    deleted = await world.client.delete(f"/locations/{code}", headers=admin)
    assert deleted.status_code == 204
    gone = await world.client.get(f"/locations/{code}", headers=admin)
    assert gone.status_code == 404
    assert gone.json()["code"] == "not_found"
    again = await world.client.delete(f"/locations/{code}", headers=admin)
    assert again.status_code == 404
    missing = await world.client.patch(f"/locations/{code}", json={"active": False}, headers=admin)
    assert missing.status_code == 404


async def test_location_list_filters_and_order(world: World) -> None:
    admin = await world.token("admin")
    tag = uuid.uuid4().hex[:6].upper()
    bodies = [
        location_body(code=f"{tag}-C", kind="warehouse", capabilities=["ship_from"]),
        location_body(code=f"{tag}-A", capabilities=["pickup"]),
        location_body(code=f"{tag}-B", capabilities=["pickup", "ship_from"], active=False),
    ]
    for body in bodies:
        response = await world.client.post("/locations", json=body, headers=admin)
        assert response.status_code == 201, response.text
    associate = await world.token("associate", (await world.location(),))

    async def codes(**params: str) -> list[str]:
        response = await world.client.get("/locations", params=params, headers=associate)
        assert response.status_code == 200, response.text
        return [item["code"] for item in response.json()["items"] if item["code"].startswith(tag)]

    assert await codes() == [f"{tag}-A", f"{tag}-B", f"{tag}-C"]
    assert await codes(kind="warehouse") == [f"{tag}-C"]
    assert await codes(kind="store", active="true") == [f"{tag}-A"]
    assert await codes(active="false") == [f"{tag}-B"]
    assert await codes(capability="ship_from") == [f"{tag}-B", f"{tag}-C"]
    assert await codes(capability="pickup", active="true") == [f"{tag}-A"]
    bad = await world.client.get("/locations", params={"kind": "shop"}, headers=associate)
    assert bad.status_code == 400


async def test_duplicate_location_code_is_409(world: World) -> None:
    admin = await world.token("admin")
    body = location_body()
    assert (await world.client.post("/locations", json=body, headers=admin)).status_code == 201
    again = await world.client.post(
        "/locations", json=location_body(code=body["code"]), headers=admin
    )
    assert again.status_code == 409
    assert again.headers["content-type"].startswith("application/problem+json")
    assert again.json()["code"] == "already_exists"
    assert body["code"] in again.json()["detail"]


async def test_concurrent_creates_of_one_code_make_one_location(world: World) -> None:
    admin = await world.token("admin")
    body = location_body()
    responses = await asyncio.gather(
        *(world.client.post("/locations", json=body, headers=admin) for _ in range(6))
    )
    assert sorted(r.status_code for r in responses) == [201] + [409] * 5
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"already_exists"}


@pytest.mark.parametrize(
    ("overrides", "key", "message"),
    [
        ({"timezone": "Mars/Olympus_Mons"}, None, "timezone: unknown 'Mars/Olympus_Mons'"),
        ({"timezone": "localtime"}, None, "timezone: unknown"),
        ({"opening_hours": {"tue": [["18:00", "09:00"]]}}, "opening_hours", "tue: opening 18:00"),
        ({"opening_hours": {"wed": [["09:00", "09:00"]]}}, "opening_hours", "must be before"),
        ({"opening_hours": {"thu": [["09:00", "13:00"], ["12:00", "17:00"]]}}, None, "overlap"),
        ({"opening_hours": {"fri": [["08:00", "09:00"]] * 4}}, "opening_hours.fri", "<= 3"),
        ({"opening_hours": {"mon": [["9:00", "17:00"]]}}, "opening_hours.mon[0][0]", "regex"),
        ({"opening_hours": {"mon": [["09:00", "25:00"]]}}, "opening_hours.mon[0][1]", "regex"),
        ({"opening_hours": {"mon": [["09:00"]]}}, "opening_hours.mon[0]", "length 2"),
        ({"opening_hours": {"holiday": []}}, "opening_hours", "unknown field `holiday`"),
        ({"capabilities": ["pickup", "pickup"]}, None, "capabilities: 'pickup' is listed twice"),
        ({"capabilities": ["teleport"]}, "capabilities[0]", "teleport"),
        ({"lat": 90.5}, "lat", "<= 90"),
        ({"lon": -181}, "lon", ">= -180"),
        ({"daily_capacity": 100_001}, "daily_capacity", "<= 100000"),
        ({"priority": -1}, "priority", ">= 0"),
        ({"priority": 1001}, "priority", "<= 1000"),
        ({"kind": "shop"}, "kind", "shop"),
        ({"code": "has space"}, "code", "regex"),
        ({"name": "   "}, "name", "regex"),
        ({"address": {**ADDRESS, "country": "XX"}}, "address", "country: 'XX' is not"),
        ({"address": {**ADDRESS, "country": "gb"}}, "address.country", "regex"),
        ({"address": {"line1": "1 A St", "city": "X", "country": "GB"}}, "address", "postcode"),
        ({"address": {**ADDRESS, "door": "red"}}, "address", "unknown field `door`"),
        ({"colour": "blue"}, None, "unknown field `colour`"),
    ],
)
async def test_invalid_location_is_400(
    world: World, overrides: dict[str, Any], key: str | None, message: str
) -> None:
    admin = await world.token("admin")
    body = location_body(**overrides)
    response = await world.client.post("/locations", json=body, headers=admin)
    assert response.status_code == 400, response.text
    problem = response.json()
    assert problem["code"] == "validation_error"
    assert message in problem["detail"]
    if key is not None:
        assert problem["errors"][0]["key"] == key
    assert (await world.client.get(f"/locations/{body['code']}", headers=admin)).status_code == 404


async def test_invalid_patch_is_400(world: World) -> None:
    admin = await world.token("admin")
    location = await world.location()
    for body in (
        {"timezone": "Nowhere/Special"},
        {"opening_hours": {"sun": [["17:00", "10:00"]]}},
        {"code": "RENAMED"},  # the code is the identity; it cannot be patched
    ):
        response = await world.client.patch(f"/locations/{location.code}", json=body, headers=admin)
        assert response.status_code == 400, (body, response.text)


async def test_only_admin_changes_the_catalogue(world: World) -> None:
    store = await world.location()
    sku = await world.sku()
    for role in ("associate", "store_manager", "integration"):
        headers = await world.token(
            role,
            (store,) if role != "integration" else (),
            "web" if role == "integration" else None,
        )
        attempts = [
            await world.client.post("/locations", json=location_body(), headers=headers),
            await world.client.patch(
                f"/locations/{store.code}", json={"active": False}, headers=headers
            ),
            await world.client.delete(f"/locations/{store.code}", headers=headers),
            await world.client.post(
                "/skus", json={"code": unique("SKU"), "name": "x"}, headers=headers
            ),
            await world.client.patch(f"/skus/{sku.code}", json={"name": "y"}, headers=headers),
            await world.client.delete(f"/skus/{sku.code}", headers=headers),
        ]
        for response in attempts:
            assert response.status_code == 403, (role, response.request.url, response.text)
            assert response.json()["code"] == "forbidden"
        # Reading is open to every role.
        assert (
            await world.client.get(f"/locations/{store.code}", headers=headers)
        ).status_code == 200
        assert (await world.client.get(f"/skus/{sku.code}", headers=headers)).status_code == 200
    assert (await world.client.get(f"/skus/{sku.code}")).status_code == 401


async def test_location_with_stock_cannot_be_deleted_but_can_be_deactivated(world: World) -> None:
    admin = await world.token("admin")
    store = await world.location()
    sku = await world.sku()
    await world.stock(sku, store, 5)

    refused = await world.client.delete(f"/locations/{store.code}", headers=admin)
    assert refused.status_code == 409
    assert refused.json()["code"] == "invalid_state"
    assert '"active": false' in refused.json()["detail"]
    assert (await world.client.get(f"/locations/{store.code}", headers=admin)).status_code == 200

    deactivated = await world.client.patch(
        f"/locations/{store.code}", json={"active": False}, headers=admin
    )
    assert deactivated.status_code == 200
    assert deactivated.json()["active"] is False
    assert await world.level(sku, store) == {"on_hand": 5, "reserved": 0, "safety_stock": 0}
    await world.assert_audit_clean()


async def test_openapi_documents_the_catalogue(world: World) -> None:
    response = await world.client.get("/schema/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {"post", "get"} <= set(paths["/locations"])
    assert {"get", "patch", "delete"} <= set(paths["/locations/{code}"])
    assert {"post", "get"} <= set(paths["/skus"])
    assert {"get", "patch", "delete"} <= set(paths["/skus/{code}"])
