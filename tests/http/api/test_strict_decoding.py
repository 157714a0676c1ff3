"""Our API decodes strictly at the edge: no coercion, no NUL, bounded depth and totals.

Each refusal is a 400 problem that names the field, and nothing is written.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import text

from oms.http.body import MAX_JSON_DEPTH
from oms.orders.schemas import MAX_AMOUNT
from tests.support.orders import order_body, ship_to
from tests.support.world import World, unique

_COUNTS = text(
    "SELECT (SELECT count(*) FROM stock_movement) AS movements,"
    " (SELECT count(*) FROM sales_order) AS orders,"
    " (SELECT count(*) FROM sku) AS skus,"
    " (SELECT count(*) FROM customer) AS customers"
)


async def _counts(world: World) -> dict[str, int]:
    async with world.sessionmaker() as session:
        return dict((await session.execute(_COUNTS)).one()._mapping)


@pytest.fixture
async def shop(world: World) -> dict[str, Any]:
    store = await world.location()
    sku = await world.sku()
    await world.stock(sku, store, 50)
    channel = await world.channel()
    return {
        "store": store,
        "sku": sku,
        "channel": channel.code,
        "headers": await world.token("admin"),
    }


async def _refused(
    world: World, method: str, path: str, body: Any, headers: dict[str, str], key: str | None
) -> dict[str, Any]:
    """Refused with 400 ``validation_error`` naming ``key`` (None: the body as a whole)."""
    before = await _counts(world)
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    response = await world.client.request(
        method, path, content=raw, headers={**headers, "Content-Type": "application/json"}
    )
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem: dict[str, Any] = response.json()
    assert problem["code"] == "validation_error", problem
    assert [issue.get("key") for issue in problem["errors"]] == [key], problem
    assert await _counts(world) == before
    return problem


def _order(shop: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return order_body(shop["channel"], [(shop["sku"], 1)], **changes)


# ---- numbers sent as strings -----------------------------------------------------------


async def test_a_string_where_an_integer_belongs_is_refused(
    world: World, shop: dict[str, Any]
) -> None:
    hold = {"location": shop["store"].code, "lines": [{"sku": shop["sku"].code, "quantity": "1"}]}
    problem = await _refused(world, "POST", "/holds", hold, shop["headers"], "lines[0].quantity")
    assert "Expected `int`, got `str`" in problem["detail"]

    order = _order(shop)
    order["lines"][0]["unit_price"] = "1999"
    await _refused(world, "POST", "/orders", order, shop["headers"], "lines[0].unit_price")

    order = _order(shop)
    order["lines"][0]["quantity"] = "1"
    await _refused(world, "POST", "/orders", order, shop["headers"], "lines[0].quantity")


async def test_the_same_values_as_numbers_are_accepted(world: World, shop: dict[str, Any]) -> None:
    hold = {"location": shop["store"].code, "lines": [{"sku": shop["sku"].code, "quantity": 1}]}
    response = await world.client.post("/holds", json=hold, headers=shop["headers"])
    assert response.status_code == 201, response.text
    response = await world.client.post("/orders", json=_order(shop), headers=shop["headers"])
    assert response.status_code == 201, response.text


# ---- NUL characters --------------------------------------------------------------------


def _with_nul(shop: dict[str, Any], where: str) -> tuple[str, dict[str, Any]]:
    order = _order(shop)
    if where == "external_id":
        order["external_id"] = "EXT\x00-1"
    elif where == "customer.name":
        order["customer"]["name"] = "Ann\x00 Smith"
    elif where == "customer.email":
        order["customer"]["email"] = "ann\x00@example.com"
    elif where == "deliveries[0].address.line1":
        order["deliveries"] = [ship_to(line1="1 High\x00 St")]
    return "/orders", order


@pytest.mark.parametrize(
    "where", ["external_id", "customer.name", "customer.email", "deliveries[0].address.line1"]
)
async def test_nul_in_an_order_is_refused_naming_the_field(
    world: World, shop: dict[str, Any], where: str
) -> None:
    path, body = _with_nul(shop, where)
    problem = await _refused(world, "POST", path, body, shop["headers"], where)
    assert "NUL" in problem["detail"]


async def test_nul_in_a_sku_name_or_attribute_is_refused(
    world: World, shop: dict[str, Any]
) -> None:
    sku: dict[str, Any] = {"code": unique("SKU"), "name": "Tent\x00 2p"}
    await _refused(world, "POST", "/skus", sku, shop["headers"], "name")
    sku = {"code": unique("SKU"), "name": "Tent", "attributes": {"colour": "gr\x00een"}}
    await _refused(world, "POST", "/skus", sku, shop["headers"], "attributes.colour")


async def test_nul_in_the_query_or_path_is_refused(world: World, shop: dict[str, Any]) -> None:
    response = await world.client.get("/skus?q=ab%00c", headers=shop["headers"])
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["key"] == "q"
    response = await world.client.get("/stock/ab%00c", headers=shop["headers"])
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "validation_error"


async def test_an_escaped_backslash_before_u0000_is_only_text(
    world: World, shop: dict[str, Any]
) -> None:
    """``"\\\\u0000"`` is a backslash followed by "u0000", not a NUL: it is stored as sent."""
    code = unique("SKU")
    body = b'{"code": "%s", "name": "odd \\\\u0000 name"}' % code.encode()
    response = await world.client.post(
        "/skus", content=body, headers={**shop["headers"], "Content-Type": "application/json"}
    )
    assert response.status_code == 201, response.text
    read = await world.client.get(f"/skus/{code}", headers=shop["headers"])
    assert read.json()["name"] == "odd \\u0000 name"


# ---- nesting depth ---------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/holds", "/orders", "/skus", "/channels"])
async def test_deeply_nested_json_is_refused(world: World, shop: dict[str, Any], path: str) -> None:
    deep = b"[" * 1000 + b"]" * 1000  # about 2 KB
    before = await _counts(world)
    response = await world.client.post(
        path, content=deep, headers={**shop["headers"], "Content-Type": "application/json"}
    )
    assert response.status_code == 400, response.text
    assert f"deeper than {MAX_JSON_DEPTH}" in response.json()["detail"]
    assert await _counts(world) == before


async def test_depth_inside_a_free_form_field_is_bounded(
    world: World, shop: dict[str, Any]
) -> None:
    """Routing rules are objects of any shape: depth there is bounded too."""
    rule: Any = {"kind": "filter"}
    for _ in range(MAX_JSON_DEPTH):
        rule = {"nested": rule}
    channel = {"code": unique("CH"), "name": "Deep", "kind": "web", "currency": "GBP"}
    response = await world.client.post(
        "/channels", json={**channel, "routing_rules": [rule]}, headers=shop["headers"]
    )
    assert response.status_code == 400, response.text
    assert f"deeper than {MAX_JSON_DEPTH}" in response.json()["detail"]


# ---- totals ----------------------------------------------------------------------------


async def test_an_order_total_beyond_the_limit_is_refused(
    world: World, shop: dict[str, Any]
) -> None:
    """Each line passes on its own; together they would overflow a 64-bit total."""
    order = order_body(shop["channel"], [(shop["sku"], 1_000_000)] * 20, price=MAX_AMOUNT)
    problem = await _refused(world, "POST", "/orders", order, shop["headers"], None)
    assert str(MAX_AMOUNT) in problem["detail"]


async def test_an_order_total_at_the_limit_is_accepted(world: World, shop: dict[str, Any]) -> None:
    order = order_body(shop["channel"], [(shop["sku"], 1)], price=MAX_AMOUNT)
    response = await world.client.post("/orders", json=order, headers=shop["headers"])
    assert response.status_code == 201, response.text
    read = await world.client.get(f"/orders/{response.json()['id']}", headers=shop["headers"])
    assert read.json()["total"] == MAX_AMOUNT


async def test_raising_a_line_past_the_total_limit_is_refused(
    world: World, shop: dict[str, Any]
) -> None:
    order = order_body(shop["channel"], [(shop["sku"], 1)], price=MAX_AMOUNT)
    placed = await world.client.post("/orders", json=order, headers=shop["headers"])
    assert placed.status_code == 201, placed.text
    order_id = placed.json()["id"]
    level_before = await world.level(shop["sku"], shop["store"])
    response = await world.client.post(
        f"/orders/{order_id}/edit",
        json={"lines": [{"line_no": 1, "quantity": 2}]},
        headers=shop["headers"],
    )
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "invalid_input"
    assert str(MAX_AMOUNT) in response.json()["detail"]
    read = (await world.client.get(f"/orders/{order_id}", headers=shop["headers"])).json()
    assert (read["total"], read["lines"][0]["quantity"]) == (MAX_AMOUNT, 1)
    assert await world.level(shop["sku"], shop["store"]) == level_before


@pytest.mark.parametrize("token_id", [str(2**63), "99999999999999999999", "0"])
async def test_an_id_out_of_range_is_refused(
    world: World, shop: dict[str, Any], token_id: str
) -> None:
    """A 64-bit id cannot be larger: refused at the edge, not sent to SQL as a bind."""
    response = await world.client.delete(f"/tokens/{token_id}", headers=shop["headers"])
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "validation_error"


@pytest.mark.parametrize("query", ["limt=5", "=x", "states=open"])
async def test_an_unknown_query_parameter_is_refused(
    world: World, shop: dict[str, Any], query: str
) -> None:
    for path in ("/transfers", "/orders"):
        response = await world.client.get(f"{path}?{query}", headers=shop["headers"])
        assert response.status_code == 400, (path, response.text)
        assert "unknown query parameter" in response.json()["detail"]
    known = await world.client.get("/orders?limit=5", headers=shop["headers"])
    assert known.status_code == 200, known.text
