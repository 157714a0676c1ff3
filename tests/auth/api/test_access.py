"""Tokens, roles and location scopes: each rule proved through the API."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.world import World


@pytest.fixture
async def two_stores(world: World) -> dict[str, Any]:
    a, b = await world.location(), await world.location()
    sku = await world.sku()
    await world.stock(sku, a, 10)
    await world.stock(sku, b, 10)
    return {"a": a, "b": b, "sku": sku}


def _hold(location: Any, sku: Any) -> dict[str, Any]:
    return {"location": location.code, "lines": [{"sku": sku.code, "quantity": 1}]}


async def test_missing_malformed_and_unknown_tokens_are_401(world: World) -> None:
    for headers in ({}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer oms_nope"}):
        response = await world.client.get(
            "/holds/00000000-0000-0000-0000-000000000000", headers=headers
        )
        assert response.status_code == 401
        assert response.json()["code"] == "unauthenticated"


async def test_associate_cannot_act_at_another_store(
    world: World, two_stores: dict[str, Any]
) -> None:
    a, b, sku = two_stores["a"], two_stores["b"], two_stores["sku"]
    associate_a = await world.token("associate", (a,))
    refused = await world.client.post("/holds", json=_hold(b, sku), headers=associate_a)
    assert refused.status_code == 403
    assert refused.json()["code"] == "forbidden"
    assert (await world.level(sku, b))["reserved"] == 0
    allowed = await world.client.post("/holds", json=_hold(a, sku), headers=associate_a)
    assert allowed.status_code == 201


async def test_another_stores_hold_is_invisible(world: World, two_stores: dict[str, Any]) -> None:
    a, b, sku = two_stores["a"], two_stores["b"], two_stores["sku"]
    manager_b = await world.token("store_manager", (b,))
    hold = (await world.client.post("/holds", json=_hold(b, sku), headers=manager_b)).json()

    associate_a = await world.token("associate", (a,))
    seen = await world.client.get(f"/holds/{hold['id']}", headers=associate_a)
    missing = await world.client.get(
        "/holds/00000000-0000-0000-0000-000000000000", headers=associate_a
    )
    # Same status and same body shape as a hold that does not exist: nothing leaks.
    assert seen.status_code == missing.status_code == 404
    assert seen.json()["detail"] == missing.json()["detail"]
    release = await world.client.post(f"/holds/{hold['id']}/release", headers=associate_a)
    assert release.status_code == 404
    assert (await world.level(sku, b))["reserved"] == 1

    # A token scoped to both stores sees it; admin sees it.
    both = await world.token("associate", (a, b))
    assert (await world.client.get(f"/holds/{hold['id']}", headers=both)).status_code == 200
    admin = await world.token("admin")
    assert (await world.client.get(f"/holds/{hold['id']}", headers=admin)).status_code == 200


async def test_integration_tokens_see_only_their_own_holds(
    world: World, two_stores: dict[str, Any]
) -> None:
    a, sku = two_stores["a"], two_stores["sku"]
    web = await world.token("integration", channel="web")
    marketplace = await world.token("integration", channel="amazon")
    hold = (await world.client.post("/holds", json=_hold(a, sku), headers=web)).json()
    assert (await world.client.get(f"/holds/{hold['id']}", headers=web)).status_code == 200
    assert (await world.client.get(f"/holds/{hold['id']}", headers=marketplace)).status_code == 404


@pytest.mark.parametrize("role", ["store_manager", "associate", "integration"])
async def test_admin_only_routes(world: World, two_stores: dict[str, Any], role: str) -> None:
    locations = (two_stores["a"],) if role in {"store_manager", "associate"} else ()
    headers = await world.token(role, locations, channel="web" if role == "integration" else None)
    assert (await world.client.get("/tokens", headers=headers)).status_code == 403
    assert (await world.client.get("/admin/audit", headers=headers)).status_code == 403
    created = await world.client.post(
        "/tokens", json={"name": "x", "role": "admin"}, headers=headers
    )
    assert created.status_code == 403


async def test_token_lifecycle_and_revocation(world: World, two_stores: dict[str, Any]) -> None:
    admin = await world.token("admin")
    created = await world.client.post(
        "/tokens",
        json={"name": "till-1", "role": "associate", "locations": [two_stores["a"].code]},
        headers=admin,
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["secret"].startswith("oms_")
    assert body["token"]["locations"] == [two_stores["a"].code]
    listed = (await world.client.get("/tokens", headers=admin)).json()["items"]
    assert all("secret" not in t and "token_hash" not in t for t in listed)

    headers = {"Authorization": f"Bearer {body['secret']}"}
    hold = _hold(two_stores["a"], two_stores["sku"])
    assert (await world.client.post("/holds", json=hold, headers=headers)).status_code == 201
    revoke = await world.client.delete(f"/tokens/{body['token']['id']}", headers=admin)
    assert revoke.status_code == 204
    # The revoking process forgets cached tokens at once.
    assert (await world.client.post("/holds", json=hold, headers=headers)).status_code == 401


async def test_token_rules(world: World, two_stores: dict[str, Any]) -> None:
    admin = await world.token("admin")
    unscoped = await world.client.post(
        "/tokens", json={"name": "x", "role": "associate"}, headers=admin
    )
    assert unscoped.status_code == 422
    unknown = await world.client.post(
        "/tokens", json={"name": "x", "role": "associate", "locations": ["NOPE"]}, headers=admin
    )
    assert unknown.status_code == 404
    no_channel = await world.client.post(
        "/tokens", json={"name": "x", "role": "integration"}, headers=admin
    )
    assert no_channel.status_code == 422


async def test_admin_audit_route(world: World) -> None:
    admin = await world.token("admin")
    response = await world.client.get("/admin/audit", headers=admin)
    assert response.status_code == 200
    report = response.json()
    assert report["ok"] is True
    assert report["ledger_mismatches"] == []
