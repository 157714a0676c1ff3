"""Sales channels through the HTTP API: CRUD, validation, who may see and change them, and
the policy read that order placement uses."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from oms.channels.services.policy import channel_policy
from tests.support.pages import read_all_pages
from tests.support.world import World, unique

CHANNEL_FIELDS = {
    "code",
    "name",
    "kind",
    "currency",
    "backorders",
    "transfer_to_store",
    "max_split",
    "routing_rules",
    "pickup_hold_days",
    "locations",
    "staff_orders",
    "customer_messages",
    "active",
    "created_at",
    "updated_at",
}


def channel_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"code": unique("CH"), "name": "Web shop", "kind": "web"}
    body["currency"] = "GBP"
    body.update(overrides)
    return body


async def test_channel_create_read_update_deactivate(world: World) -> None:
    admin = await world.token("admin")
    shop, depot = await world.location(), await world.location(kind="warehouse")
    rules = [{"filter": "kind", "in": ["warehouse"]}, {"sort": "distance"}]
    body = channel_body(
        backorders=True,
        max_split=3,
        routing_rules=rules,
        pickup_hold_days=5,
        locations=[shop.code, depot.code],
    )
    created = await world.client.post("/channels", json=body, headers=admin)
    assert created.status_code == 201, created.text
    out = created.json()
    assert set(out) == CHANNEL_FIELDS  # nothing else (no secrets) leaves the service
    assert out["code"] == body["code"]
    assert (out["kind"], out["currency"]) == ("web", "GBP")
    assert (out["backorders"], out["transfer_to_store"]) == (True, False)
    assert (out["max_split"], out["pickup_hold_days"]) == (3, 5)
    assert out["routing_rules"] == rules
    assert out["locations"] == sorted([shop.code, depot.code])
    assert out["active"] is True

    code = body["code"]
    fetched = await world.client.get(f"/channels/{code}", headers=admin)
    assert fetched.status_code == 200
    assert fetched.json() == out

    patched = await world.client.patch(
        f"/channels/{code}",
        json={"name": "Web shop (UK)", "transfer_to_store": True, "locations": [depot.code]},
        headers=admin,
    )
    assert patched.status_code == 200, patched.text
    after = patched.json()
    assert after["name"] == "Web shop (UK)"
    assert after["transfer_to_store"] is True
    assert after["locations"] == [depot.code]
    for field in ("kind", "currency", "backorders", "max_split", "routing_rules"):
        assert after[field] == out[field]
    assert after["updated_at"] > out["updated_at"]

    # Only the locations change: still a change to the channel.
    everywhere = await world.client.patch(
        f"/channels/{code}", json={"locations": []}, headers=admin
    )
    assert everywhere.status_code == 200, everywhere.text
    assert everywhere.json()["locations"] == []
    assert everywhere.json()["updated_at"] > after["updated_at"]

    # An empty patch changes nothing and answers the channel as it is.
    unchanged = await world.client.patch(f"/channels/{code}", json={}, headers=admin)
    assert unchanged.status_code == 200
    assert unchanged.json() == everywhere.json()

    refused = await world.client.patch(f"/channels/{code}", json={"name": None}, headers=admin)
    assert refused.status_code == 400
    renamed = await world.client.patch(f"/channels/{code}", json={"code": "X"}, headers=admin)
    assert renamed.status_code == 400

    deactivated = await world.client.delete(f"/channels/{code}", headers=admin)
    assert deactivated.status_code == 200, deactivated.text
    assert deactivated.json()["active"] is False
    assert deactivated.json()["name"] == "Web shop (UK)"
    # Still there and readable: orders keep pointing at it.
    kept = await world.client.get(f"/channels/{code}", headers=admin)
    assert kept.status_code == 200
    assert kept.json()["active"] is False
    again = await world.client.delete(f"/channels/{code}", headers=admin)
    assert again.status_code == 200
    reactivated = await world.client.patch(
        f"/channels/{code}", json={"active": True}, headers=admin
    )
    assert reactivated.json()["active"] is True


async def test_defaults_and_missing_channels(world: World) -> None:
    admin = await world.token("admin")
    body = channel_body(kind="pos")
    created = await world.client.post("/channels", json=body, headers=admin)
    assert created.status_code == 201, created.text
    out = created.json()
    assert (out["backorders"], out["transfer_to_store"]) == (False, False)
    assert (out["max_split"], out["pickup_hold_days"]) == (2, 7)
    assert (out["routing_rules"], out["locations"], out["active"]) == ([], [], True)
    assert out["customer_messages"] == [
        "order_placed",
        "ready_for_pickup",
        "parcel_shipped",
        "order_cancelled",
    ]

    missing = unique("NOPE")
    for response in (
        await world.client.get(f"/channels/{missing}", headers=admin),
        await world.client.patch(f"/channels/{missing}", json={"name": "x"}, headers=admin),
        await world.client.patch(f"/channels/{missing}", json={}, headers=admin),
        await world.client.delete(f"/channels/{missing}", headers=admin),
    ):
        assert response.status_code == 404, response.text
        assert response.json()["code"] == "not_found"
        assert missing in response.json()["detail"]


async def test_staff_orders_defaults_by_kind_and_can_be_changed(
    world: World, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    admin = await world.token("admin")
    defaults = {}
    for kind in ("pos", "web", "marketplace"):
        created = await world.client.post("/channels", json=channel_body(kind=kind), headers=admin)
        assert created.status_code == 201, created.text
        defaults[kind] = created.json()
    assert {k: c["staff_orders"] for k, c in defaults.items()} == {
        "pos": True,
        "web": True,
        "marketplace": False,
    }
    # Explicitly set on creation, whatever the kind.
    staffed = await world.client.post(
        "/channels", json=channel_body(kind="marketplace", staff_orders=True), headers=admin
    )
    assert staffed.status_code == 201, staffed.text
    assert staffed.json()["staff_orders"] is True

    code = defaults["web"]["code"]
    patched = await world.client.patch(
        f"/channels/{code}", json={"staff_orders": False}, headers=admin
    )
    assert patched.status_code == 200, patched.text
    fetched = (await world.client.get(f"/channels/{code}", headers=admin)).json()
    assert fetched["staff_orders"] is False
    async with sessionmaker() as session:
        policy = await channel_policy(await session.connection(), code)
    assert policy is not None
    assert policy.staff_orders is False

    # Not a boolean, or null: refused, nothing changes.
    for bad in ({"staff_orders": None}, {"staff_orders": "yes"}):
        refused = await world.client.patch(f"/channels/{code}", json=bad, headers=admin)
        assert refused.status_code == 400, refused.text
    assert (await world.client.get(f"/channels/{code}", headers=admin)).json() == fetched
    associate = await world.token("associate", locations=(await world.location(),))
    forbidden = await world.client.patch(
        f"/channels/{code}", json={"staff_orders": True}, headers=associate
    )
    assert (forbidden.status_code, forbidden.json()["code"]) == (403, "forbidden")
    assert (await world.client.get(f"/channels/{code}", headers=admin)).json() == fetched


async def test_list_filters_and_order(world: World) -> None:
    admin = await world.token("admin")
    tag = uuid.uuid4().hex[:6].upper()
    for body in (
        channel_body(code=f"{tag}-C", kind="marketplace"),
        channel_body(code=f"{tag}-A", kind="pos"),
        channel_body(code=f"{tag}-B", kind="web", active=False),
    ):
        response = await world.client.post("/channels", json=body, headers=admin)
        assert response.status_code == 201, response.text
    associate = await world.token("associate", (await world.location(),))

    async def codes(**params: str) -> list[str]:
        listed = await read_all_pages(world.client, "/channels", associate, 500, **params)
        return [item["code"] for item in listed if item["code"].startswith(tag)]

    assert await codes() == [f"{tag}-A", f"{tag}-B", f"{tag}-C"]
    assert await codes(kind="marketplace") == [f"{tag}-C"]
    assert await codes(active="true") == [f"{tag}-A", f"{tag}-C"]
    assert await codes(active="false", kind="web") == [f"{tag}-B"]
    bad = await world.client.get("/channels", params={"kind": "shop"}, headers=associate)
    assert bad.status_code == 400


async def test_duplicate_code_is_409(world: World) -> None:
    admin = await world.token("admin")
    body = channel_body()
    assert (await world.client.post("/channels", json=body, headers=admin)).status_code == 201
    again = await world.client.post(
        "/channels", json=channel_body(code=body["code"], kind="pos"), headers=admin
    )
    assert again.status_code == 409
    assert again.json()["code"] == "already_exists"
    assert body["code"] in again.json()["detail"]
    # The first one is untouched.
    kept = await world.client.get(f"/channels/{body['code']}", headers=admin)
    assert kept.json()["kind"] == "web"


async def test_concurrent_creates_of_one_code_make_one_channel(world: World) -> None:
    admin = await world.token("admin")
    body = channel_body()
    responses = await asyncio.gather(
        *(world.client.post("/channels", json=body, headers=admin) for _ in range(5))
    )
    assert sorted(r.status_code for r in responses) == [201] + [409] * 4


@pytest.mark.parametrize(
    ("overrides", "key", "message"),
    [
        ({"currency": "gbp"}, "currency", "regex"),
        ({"currency": "GBPX"}, "currency", "regex"),
        ({"currency": "ABC"}, None, "currency: 'ABC' is not an ISO 4217"),
        ({"currency": "XAU"}, None, "currency: 'XAU'"),
        ({"kind": "shop"}, "kind", "shop"),
        ({"max_split": 0}, "max_split", ">= 1"),
        ({"max_split": 11}, "max_split", "<= 10"),
        ({"pickup_hold_days": 0}, "pickup_hold_days", ">= 1"),
        ({"pickup_hold_days": 91}, "pickup_hold_days", "<= 90"),
        ({"code": "has space"}, "code", "regex"),
        ({"code": "C" * 33}, "code", "length <= 32"),
        ({"name": "  "}, "name", "regex"),
        ({"locations": ["A", "A"]}, None, "locations: 'A' is listed twice"),
        ({"routing_rules": [{"sort": "cheapest"}]}, None, "routing_rules: rule 0: unknown sort"),
        (
            {"routing_rules": [{"sort": "distance"}, {"filter": "max_distance_km", "km": -1}]},
            None,
            "routing_rules: rule 1: 'km' must be a number",
        ),
        ({"routing_rules": [{"sort": "distance"}] * 2}, None, "already listed"),
        ({"routing_rules": [{"sort": "distance"}] * 21}, "routing_rules", "length <= 20"),
        ({"routing_rules": ["distance"]}, "routing_rules[0]", "Expected `object`"),
        ({"secret": "s3cr3t"}, None, "unknown field `secret`"),
        ({"customer_messages": ["birthday_card"]}, "customer_messages[0]", "Invalid enum"),
        ({"customer_messages": ["parcel_shipped"] * 2}, None, "is listed twice"),
        ({"customer_messages": None}, "customer_messages", "Expected `array`"),
    ],
)
async def test_invalid_channel_is_400(
    world: World, overrides: dict[str, Any], key: str | None, message: str
) -> None:
    admin = await world.token("admin")
    body = channel_body(**overrides)
    response = await world.client.post("/channels", json=body, headers=admin)
    assert response.status_code == 400, response.text
    problem = response.json()
    assert problem["code"] == "validation_error"
    assert message in problem["detail"]
    if key is not None:
        assert problem["errors"][0]["key"] == key
    if len(body["code"]) <= 32 and " " not in body["code"]:
        assert (
            await world.client.get(f"/channels/{body['code']}", headers=admin)
        ).status_code == 404


async def test_invalid_patch_is_400_and_changes_nothing(world: World) -> None:
    admin = await world.token("admin")
    channel = await world.channel()
    for body in (
        {"currency": "ZZZ"},
        {"kind": "catalogue"},
        {"max_split": 0},
        {"routing_rules": [{"filter": "kind", "in": ["kiosk"]}]},
        {"routing_rules": [{"sort": "distance", "km": 3}]},
        {"customer_messages": ["birthday_card"]},
    ):
        response = await world.client.patch(f"/channels/{channel.code}", json=body, headers=admin)
        assert response.status_code == 400, (body, response.text)
        assert response.json()["code"] == "validation_error"
    now = (await world.client.get(f"/channels/{channel.code}", headers=admin)).json()
    assert (now["currency"], now["kind"], now["max_split"], now["routing_rules"]) == (
        "GBP",
        "web",
        2,
        [],
    )


async def test_unknown_location_is_404_naming_it(world: World) -> None:
    admin = await world.token("admin")
    known = await world.location()
    ghost_a, ghost_b = unique("GHOST"), unique("GHOST")
    body = channel_body(locations=[known.code, ghost_b, ghost_a])
    response = await world.client.post("/channels", json=body, headers=admin)
    assert response.status_code == 404, response.text
    problem = response.json()
    assert problem["code"] == "not_found"
    assert ghost_a in problem["detail"]
    assert ghost_b in problem["detail"]
    assert known.code not in problem["detail"]
    assert problem["extra"]["locations"] == sorted([ghost_a, ghost_b])
    assert (await world.client.get(f"/channels/{body['code']}", headers=admin)).status_code == 404

    channel = await world.channel(locations=(known,))
    patched = await world.client.patch(
        f"/channels/{channel.code}", json={"locations": [ghost_a]}, headers=admin
    )
    assert patched.status_code == 404
    assert ghost_a in patched.json()["detail"]
    kept = await world.client.get(f"/channels/{channel.code}", headers=admin)
    assert kept.json()["locations"] == [known.code]


async def test_only_admin_changes_channels(world: World) -> None:
    store = await world.location()
    channel = await world.channel()
    for role in ("associate", "store_manager", "integration"):
        headers = await world.token(
            role,
            (store,) if role != "integration" else (),
            channel.code if role == "integration" else None,
        )
        attempts = [
            await world.client.post("/channels", json=channel_body(), headers=headers),
            await world.client.patch(
                f"/channels/{channel.code}", json={"backorders": True}, headers=headers
            ),
            await world.client.delete(f"/channels/{channel.code}", headers=headers),
        ]
        for response in attempts:
            assert response.status_code == 403, (role, response.request.url, response.text)
            assert response.json()["code"] == "forbidden"
        # Reading is open to every role (an integration only its own channel).
        read = await world.client.get(f"/channels/{channel.code}", headers=headers)
        assert read.status_code == 200, (role, read.text)
    admin = await world.token("admin")
    unchanged = (await world.client.get(f"/channels/{channel.code}", headers=admin)).json()
    assert (unchanged["backorders"], unchanged["active"]) == (False, True)
    assert (await world.client.get("/channels")).status_code == 401


async def test_integration_sees_only_its_own_channel(world: World) -> None:
    own, other = await world.channel(kind="marketplace"), await world.channel()
    headers = await world.token("integration", channel=own.code)

    listed = await world.client.get("/channels", headers=headers)
    assert listed.status_code == 200
    assert [item["code"] for item in listed.json()["items"]] == [own.code]
    only_web = await world.client.get("/channels", params={"kind": "web"}, headers=headers)
    assert only_web.json()["items"] == []

    assert (await world.client.get(f"/channels/{own.code}", headers=headers)).status_code == 200
    hidden = await world.client.get(f"/channels/{other.code}", headers=headers)
    missing = await world.client.get(f"/channels/{unique('NOPE')}", headers=headers)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["code"] == "not_found"

    # Any other role sees both.
    associate = await world.token("associate", (await world.location(),))
    everyone = await read_all_pages(world.client, "/channels", associate, 500)
    codes = {item["code"] for item in everyone}
    assert {own.code, other.code} <= codes


async def test_channel_policy_in_one_read(
    world: World, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    shop, depot = await world.location(), await world.location(kind="warehouse")
    rules = [{"sort": "kind", "first": "warehouse"}, {"sort": "priority"}]
    limited = await world.channel(
        kind="marketplace",
        currency="EUR",
        backorders=True,
        transfer_to_store=True,
        max_split=1,
        routing_rules=rules,
        pickup_hold_days=3,
        active=False,
        locations=(shop, depot),
    )
    open_to_all = await world.channel()

    async with sessionmaker() as session:
        conn = await session.connection()
        policy = await channel_policy(conn, limited.code)
        anywhere = await channel_policy(conn, open_to_all.code)
        nothing = await channel_policy(conn, unique("NOPE"))

    assert policy is not None
    assert policy.id == limited.id
    assert (policy.code, policy.kind, policy.currency) == (limited.code, "marketplace", "EUR")
    assert (policy.backorders, policy.transfer_to_store, policy.active) == (True, True, False)
    assert (policy.max_split, policy.pickup_hold_days) == (1, 3)
    assert policy.routing_rules == tuple(rules)
    assert policy.eligible_location_ids == frozenset({shop.id, depot.id})
    routing = policy.routing()
    assert (routing.max_split, routing.transfer_to_store) == (1, True)
    assert routing.eligible_location_ids == frozenset({shop.id, depot.id})
    assert routing.rules == tuple(rules)

    assert anywhere is not None
    assert anywhere.eligible_location_ids is None
    assert anywhere.routing_rules == ()
    assert (anywhere.kind, anywhere.max_split, anywhere.active) == ("web", 2, True)
    assert nothing is None


async def test_channel_policy_is_one_statement(
    world: World, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    channel = await world.channel(locations=(await world.location(),))
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    async with sessionmaker() as session:
        conn = await session.connection()
        event.listen(conn.sync_engine, "before_cursor_execute", record)
        try:
            policy = await channel_policy(conn, channel.code)
        finally:
            event.remove(conn.sync_engine, "before_cursor_execute", record)
    assert policy is not None
    assert policy.eligible_location_ids
    assert len(statements) == 1, statements
