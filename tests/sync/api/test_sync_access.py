"""Who may use a channel's sync settings and listings: every route, every kind of token.

Admins do everything. The channel's own integration token reads its listings (a
partner-side integration checks its mapping and the quantities meant for it); another
channel's token gets the 404 of a channel that does not exist. Store staff are refused,
and so is every token but an admin's for settings and for any change. A refused change
writes nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from oms.db.models import Channel, Location
from tests.support.sync_settings import listing_rows, put_settings, settings_body, sync_row
from tests.support.world import World

ROLES = ("admin", "store_manager", "associate", "own_integration", "other_integration")


async def _headers(world: World, role: str, channel: Channel, store: Location) -> dict[str, str]:
    if role in {"store_manager", "associate"}:
        return await world.token(role, (store,))
    if role == "own_integration":
        return await world.token("integration", channel=channel.code)
    if role == "other_integration":
        return await world.token("integration", channel=(await world.channel()).code)
    return await world.token("admin")


Call = Callable[[World, Channel, int, dict[str, str]], Awaitable[Any]]


async def _put(world: World, channel: Channel, _: int, headers: dict[str, str]) -> Any:
    body = settings_body(policy={"buffer": 9})
    return await world.client.put(f"/channels/{channel.code}/sync", json=body, headers=headers)


async def _get(world: World, channel: Channel, _: int, headers: dict[str, str]) -> Any:
    return await world.client.get(f"/channels/{channel.code}/sync", headers=headers)


async def _disable(world: World, channel: Channel, _: int, headers: dict[str, str]) -> Any:
    return await world.client.delete(f"/channels/{channel.code}/sync", headers=headers)


async def _create(world: World, channel: Channel, _: int, headers: dict[str, str]) -> Any:
    sku = await world.sku()
    url = f"/channels/{channel.code}/listings"
    return await world.client.post(url, json={"sku": sku.code}, headers=headers)


async def _import(world: World, channel: Channel, _: int, headers: dict[str, str]) -> Any:
    sku = await world.sku()
    return await world.client.post(
        f"/channels/{channel.code}/listings/import",
        content=f"sku\n{sku.code}\n",
        headers=headers | {"Content-Type": "text/csv"},
    )


async def _all_active(world: World, channel: Channel, _: int, headers: dict[str, str]) -> Any:
    url = f"/channels/{channel.code}/listings/all-active-skus"
    return await world.client.post(url, headers=headers)


async def _list(world: World, channel: Channel, _: int, headers: dict[str, str]) -> Any:
    return await world.client.get(f"/channels/{channel.code}/listings", headers=headers)


async def _one(world: World, channel: Channel, listing_id: int, headers: dict[str, str]) -> Any:
    url = f"/channels/{channel.code}/listings/{listing_id}"
    return await world.client.get(url, headers=headers)


async def _delete(world: World, channel: Channel, listing_id: int, headers: dict[str, str]) -> Any:
    url = f"/channels/{channel.code}/listings/{listing_id}"
    return await world.client.delete(url, headers=headers)


# route -> (how to call it, what it changes, the admin's status)
ADMIN_ONLY: dict[str, tuple[Call, bool, int]] = {
    "PUT /channels/{code}/sync": (_put, True, 200),
    "GET /channels/{code}/sync": (_get, False, 200),
    "DELETE /channels/{code}/sync": (_disable, True, 200),
    "POST /channels/{code}/listings": (_create, True, 201),
    "POST /channels/{code}/listings/import": (_import, True, 201),
    "POST /channels/{code}/listings/all-active-skus": (_all_active, True, 201),
    "DELETE /channels/{code}/listings/{listing_id}": (_delete, True, 204),
}
READ_LISTINGS: dict[str, Call] = {
    "GET /channels/{code}/listings": _list,
    "GET /channels/{code}/listings/{listing_id}": _one,
}
EXPECTED_READ = {
    "admin": 200,
    "store_manager": 403,
    "associate": 403,
    "own_integration": 200,
    "other_integration": 404,
}


async def _world_state(world: World, channel: Channel) -> tuple[Any, ...]:
    settings = await sync_row(world, channel)
    assert settings is not None
    listings = await listing_rows(world, channel)
    return (
        {k: v for k, v in settings.items() if k != "updated_at"},
        [{k: v for k, v in row.items() if k != "updated_at"} for row in listings],
    )


async def _synced(world: World) -> tuple[Channel, Location, int]:
    admin = await world.token("admin")
    store = await world.location()
    channel = await world.channel()
    await put_settings(world, channel, admin)
    created = await world.client.post(
        f"/channels/{channel.code}/listings", json={"sku": (await world.sku()).code}, headers=admin
    )
    return channel, store, created.json()["items"][0]["id"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", sorted(ADMIN_ONLY))
async def test_settings_and_changes_are_admin_only(world: World, route: str, role: str) -> None:
    call, changes, admin_status = ADMIN_ONLY[route]
    channel, store, listing_id = await _synced(world)
    headers = await _headers(world, role, channel, store)
    before = await _world_state(world, channel)
    response = await call(world, channel, listing_id, headers)
    if role == "admin":
        assert response.status_code == admin_status, response.text
        return
    assert response.status_code == 403, (route, role, response.text)
    assert response.json()["code"] == "forbidden"
    if changes:
        assert await _world_state(world, channel) == before


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", sorted(READ_LISTINGS))
async def test_listings_are_read_by_admins_and_the_channels_own_integration(
    world: World, route: str, role: str
) -> None:
    channel, store, listing_id = await _synced(world)
    headers = await _headers(world, role, channel, store)
    response = await READ_LISTINGS[route](world, channel, listing_id, headers)
    assert response.status_code == EXPECTED_READ[role], (route, role, response.text)
    if response.status_code == 200:
        body = response.json()
        ids = [item["id"] for item in body["items"]] if "items" in body else [body["id"]]
        assert ids == [listing_id]
