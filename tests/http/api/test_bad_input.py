"""Bad input never changes anything and always answers problem+json with a stable code."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from tests.support.world import World


async def _ledger_size(world: World) -> int:
    async with world.sessionmaker() as session:
        return int(await session.scalar(text("SELECT count(*) FROM stock_movement")) or 0)


@pytest.fixture
async def shop(world: World) -> dict[str, Any]:
    store = await world.location()
    sku = await world.sku()
    await world.stock(sku, store, 10)
    return {"store": store, "sku": sku, "headers": await world.token("admin")}


def _hold(shop: dict[str, Any], **line: Any) -> dict[str, Any]:
    return {"location": shop["store"].code, "lines": [{"sku": shop["sku"].code, **line}]}


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b'{"location": "X", "lines": [', "malformed_json"),
        (b"not json at all", "malformed_json"),
        (b"[]", "validation_error"),
        (b'{"location": "X"}', "validation_error"),
    ],
)
async def test_malformed_bodies(world: World, shop: dict[str, Any], body: bytes, code: str) -> None:
    before = await _ledger_size(world)
    response = await world.client.post(
        "/holds", content=body, headers={**shop["headers"], "Content-Type": "application/json"}
    )
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == code
    assert await _ledger_size(world) == before


@pytest.mark.parametrize(
    "line",
    [
        {"quantity": 0},
        {"quantity": -1},
        {"quantity": 1_000_001},
        {"quantity": 2**63},
        {"quantity": 1.5},
        {"quantity": "-1"},
        {"quantity": "three"},
        {"quantity": None},
        {"quantity": 1, "colour": "red"},
    ],
)
async def test_bad_lines(world: World, shop: dict[str, Any], line: dict[str, Any]) -> None:
    before = await _ledger_size(world)
    response = await world.client.post("/holds", json=_hold(shop, **line), headers=shop["headers"])
    assert response.status_code == 400, response.text
    problem = response.json()
    assert problem["code"] == "validation_error"
    assert problem["status"] == 400
    assert problem["detail"]
    assert await world.level(shop["sku"], shop["store"]) == {
        "on_hand": 10,
        "reserved": 0,
        "safety_stock": 0,
    }
    assert await _ledger_size(world) == before


async def test_unknown_top_level_field_is_rejected(world: World, shop: dict[str, Any]) -> None:
    body = {**_hold(shop, quantity=1), "priority": "high"}
    response = await world.client.post("/holds", json=body, headers=shop["headers"])
    assert response.status_code == 400
    assert "priority" in response.json()["detail"]


async def test_unknown_sku_and_location(world: World, shop: dict[str, Any]) -> None:
    before = await _ledger_size(world)
    unknown_sku = {
        "location": shop["store"].code,
        "lines": [{"sku": shop["sku"].code, "quantity": 1}, {"sku": "NO-SUCH-SKU", "quantity": 1}],
    }
    response = await world.client.post("/holds", json=unknown_sku, headers=shop["headers"])
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert response.json()["extra"]["skus"] == ["NO-SUCH-SKU"]

    unknown_location = {**_hold(shop, quantity=1), "location": "NO-SUCH-STORE"}
    response = await world.client.post("/holds", json=unknown_location, headers=shop["headers"])
    assert response.status_code == 404
    assert await _ledger_size(world) == before
    assert (await world.level(shop["sku"], shop["store"]))["reserved"] == 0


async def test_wrong_content_type(world: World, shop: dict[str, Any]) -> None:
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "text/csv"):
        response = await world.client.post(
            "/holds",
            content=b'{"location": "x", "lines": []}',
            headers={**shop["headers"], "Content-Type": content_type},
        )
        assert response.status_code == 415, content_type
        assert response.json()["code"] == "unsupported_media_type"


async def test_oversized_body(world: World, shop: dict[str, Any]) -> None:
    before = await _ledger_size(world)
    huge = b'{"location": "' + b"x" * 2_000_000 + b'", "lines": []}'
    response = await world.client.post(
        "/holds", content=huge, headers={**shop["headers"], "Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["code"] == "body_too_large"
    assert await _ledger_size(world) == before


async def test_too_many_lines(world: World, shop: dict[str, Any]) -> None:
    body = {
        "location": shop["store"].code,
        "lines": [{"sku": f"S{i}", "quantity": 1} for i in range(201)],
    }
    response = await world.client.post("/holds", json=body, headers=shop["headers"])
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"


async def test_bad_idempotency_key(world: World, shop: dict[str, Any]) -> None:
    response = await world.client.post(
        "/holds",
        json=_hold(shop, quantity=1),
        headers={**shop["headers"], "Idempotency-Key": "k" * 300},
    )
    assert response.status_code == 400
    assert (await world.level(shop["sku"], shop["store"]))["reserved"] == 0


async def test_bad_path_parameter(world: World, shop: dict[str, Any]) -> None:
    response = await world.client.get("/holds/not-a-uuid", headers=shop["headers"])
    assert response.status_code in {400, 404}
    assert response.headers["content-type"].startswith("application/problem+json")
