"""A channel's sync settings through the API: round trip, refusals, and what a change does
to the channel's listings."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.sync_settings import (
    listing_rows,
    mark_all_synced,
    put_settings,
    settings_body,
    sync_row,
)
from tests.support.world import World, unique


async def test_settings_round_trip_names_variables_and_never_shows_secrets(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = await world.token("admin")
    store_a, store_b = await world.location(), await world.location()
    channel = await world.channel()
    token_var, secret_var = unique("SYNC_T").replace("-", "_").upper(), "SYNC_UNSET_" + "X" * 8
    secret_value = "shpat_" + unique("secret")
    monkeypatch.setenv(token_var, secret_value)
    monkeypatch.delenv(secret_var, raising=False)
    body = settings_body(
        adapter="shopify",
        partner_url="https://shop-1.myshopify.com",
        credentials_env=token_var,
        webhook_secret_env=secret_var,
        partner_location_id="gid://shopify/Location/1",
        policy={"buffer": 2, "percent": 50, "max_quantity": 40, "zero_at_or_below": 1},
        feed_locations=[
            {"location": store_b.code, "partner_location_id": "gid://shopify/Location/9"},
            {"location": store_a.code},
        ],
    )
    put = await world.client.put(f"/channels/{channel.code}/sync", json=body, headers=admin)
    assert put.status_code == 200, put.text
    got = await world.client.get(f"/channels/{channel.code}/sync", headers=admin)
    assert got.status_code == 200
    settings = got.json()
    assert put.json() | {"listings_marked": 0} == settings
    assert settings["api_version"] == "2026-04"  # Shopify's default
    assert settings["credentials_env"] == token_var
    assert settings["credentials_set"] is True
    assert settings["webhook_secret_env"] == secret_var
    assert settings["webhook_secret_set"] is False
    assert settings["policy"] == body["policy"]
    assert settings["partner_location_id"] == "gid://shopify/Location/1"
    assert settings["enabled"] is True
    assert settings["per_location"] is False
    feeds = {f["location"]: f["partner_location_id"] for f in settings["feed_locations"]}
    assert feeds == {store_a.code: None, store_b.code: "gid://shopify/Location/9"}
    assert secret_value not in put.text
    assert secret_value not in got.text

    # The variable is read at each request: unset it and the answer says so.
    monkeypatch.delenv(token_var)
    again = (await world.client.get(f"/channels/{channel.code}/sync", headers=admin)).json()
    assert again["credentials_set"] is False


async def test_a_channel_without_settings_is_404_and_an_unknown_channel_too(world: World) -> None:
    admin = await world.token("admin")
    channel = await world.channel()
    missing = await world.client.get(f"/channels/{channel.code}/sync", headers=admin)
    assert missing.status_code == 404
    assert "no sync settings" in missing.json()["detail"]
    unknown = await world.client.put("/channels/NOPE-x/sync", json=settings_body(), headers=admin)
    assert unknown.status_code == 404
    assert unknown.headers["content-type"].startswith("application/problem+json")


def _feeds(*pairs: tuple[str, str | None]) -> list[dict[str, Any]]:
    return [{"location": code, "partner_location_id": partner} for code, partner in pairs]


BAD_BODIES: list[tuple[str, dict[str, Any], str]] = [
    ("no credentials", {"credentials_env": None}, "credentials_env"),
    ("a webhook api version", {"api_version": "2026-04"}, "api_version"),
    ("api version shape", {"adapter": "shopify", "api_version": "2026-4"}, "api_version"),
    (
        "shopify network without partner location",
        {"adapter": "shopify"},
        "partner_location_id",
    ),
    ("env name in lower case", {"credentials_env": "my_token"}, "credentials_env"),
    ("one of our own settings", {"credentials_env": "OMS_DATABASE_URL"}, "credentials_env"),
    ("a secret instead of a name", {"webhook_secret_env": "whsec_abc+/="}, "webhook_secret_env"),
    ("percent over 100", {"policy": {"percent": 101}}, "percent"),
    ("negative buffer", {"policy": {"buffer": -1}}, "buffer"),
    ("not http", {"partner_url": "ftp://partner.example"}, "partner_url"),
    ("unknown field", {"secret": "x"}, "secret"),
    ("per location without feeds", {"per_location": True}, "feed_locations"),
    (
        "per location with a channel partner location",
        {"per_location": True, "partner_location_id": "L1"},
        "partner_location_id",
    ),
]


@pytest.mark.parametrize(("why", "change", "field"), BAD_BODIES, ids=[b[0] for b in BAD_BODIES])
async def test_invalid_settings_are_400_naming_the_field_and_change_nothing(
    world: World, why: str, change: dict[str, Any], field: str
) -> None:
    admin = await world.token("admin")
    channel = await world.channel()
    before = await put_settings(world, channel, admin, policy={"buffer": 3})
    response = await world.client.put(
        f"/channels/{channel.code}/sync", json=settings_body(**change), headers=admin
    )
    assert response.status_code == 400, (why, response.text)
    problem = response.json()
    assert response.headers["content-type"].startswith("application/problem+json")
    assert problem["code"] == "validation_error"
    assert field in problem["detail"], problem
    after = (await world.client.get(f"/channels/{channel.code}/sync", headers=admin)).json()
    assert after == before | {"listings_marked": 0}


async def test_per_location_feeds_need_a_partner_location_each_and_known_codes(
    world: World,
) -> None:
    admin = await world.token("admin")
    store_a, store_b = await world.location(), await world.location()
    channel = await world.channel()
    url = f"/channels/{channel.code}/sync"
    short = settings_body(
        per_location=True, feed_locations=_feeds((store_a.code, "P-A"), (store_b.code, None))
    )
    response = await world.client.put(url, json=short, headers=admin)
    assert response.status_code == 400
    assert "feed_locations[1].partner_location_id" in response.json()["detail"]
    twice = settings_body(feed_locations=_feeds((store_a.code, None), (store_a.code, None)))
    response = await world.client.put(url, json=twice, headers=admin)
    assert response.status_code == 400
    assert "feed_locations[1].location" in response.json()["detail"]
    unknown = settings_body(feed_locations=_feeds((store_a.code, None), ("NOPE-loc", None)))
    response = await world.client.put(url, json=unknown, headers=admin)
    assert response.status_code == 404
    assert "NOPE-loc" in response.json()["detail"]
    assert await sync_row(world, channel) is None  # nothing was written


async def _listed(world: World, channel: Any, admin: dict[str, str], *skus: Any) -> list[int]:
    ids = []
    for sku in skus:
        created = await world.client.post(
            f"/channels/{channel.code}/listings", json={"sku": sku.code}, headers=admin
        )
        assert created.status_code == 201, created.text
        ids += [item["id"] for item in created.json()["items"]]
    return ids


async def _states(world: World, channel: Any, admin: dict[str, str]) -> set[str]:
    page = await world.client.get(f"/channels/{channel.code}/listings", headers=admin)
    assert page.status_code == 200, page.text
    return {item["state"] for item in page.json()["items"]}


async def test_a_policy_change_marks_every_listing_pending(world: World) -> None:
    admin = await world.token("admin")
    channel = await world.channel()
    await put_settings(world, channel, admin)
    await _listed(world, channel, admin, await world.sku(), await world.sku())
    await mark_all_synced(world, channel)
    assert await _states(world, channel, admin) == {"in_sync"}

    # The same settings again change nothing the listings publish.
    same = await put_settings(world, channel, admin)
    assert same["listings_marked"] == 0
    assert await _states(world, channel, admin) == {"in_sync"}

    changed = await put_settings(world, channel, admin, policy={"buffer": 1})
    assert changed["listings_marked"] == 2
    assert await _states(world, channel, admin) == {"pending"}
    rows = await listing_rows(world, channel)
    assert all(row["pending_seq"] > row["synced_seq"] for row in rows)
    assert not any(row["force_push"] for row in rows)  # the value changed: no forcing


@pytest.mark.parametrize(
    "change",
    [{"enabled": False}, {"feed_locations": "one store"}, {"policy": {"max_quantity": 5}}],
    ids=["enabled", "feed locations", "cap"],
)
async def test_each_change_that_alters_the_quantity_marks_listings(
    world: World, change: dict[str, Any]
) -> None:
    admin = await world.token("admin")
    channel = await world.channel()
    await put_settings(world, channel, admin)
    await _listed(world, channel, admin, await world.sku())
    await mark_all_synced(world, channel)
    if change.get("feed_locations"):
        change = {"feed_locations": [{"location": (await world.location()).code}]}
    assert (await put_settings(world, channel, admin, **change))["listings_marked"] == 1
    assert [r["pending_seq"] > r["synced_seq"] for r in await listing_rows(world, channel)] == [
        True
    ]


async def test_a_new_partner_location_publishes_again_where_the_listings_now_go(
    world: World,
) -> None:
    admin = await world.token("admin")
    channel = await world.channel()
    await put_settings(world, channel, admin, partner_location_id="P-OLD")
    await _listed(world, channel, admin, await world.sku())
    await mark_all_synced(world, channel)
    await put_settings(world, channel, admin, partner_location_id="P-NEW")
    (row,) = await listing_rows(world, channel)
    assert row["partner_location_id"] == "P-NEW"
    # Our number did not change, but the new location has never been sent it.
    assert row["force_push"] is True
    assert row["pending_seq"] > row["synced_seq"]


async def test_switching_per_location_with_listings_is_409_and_changes_nothing(
    world: World,
) -> None:
    admin = await world.token("admin")
    store = await world.location()
    channel = await world.channel()
    before = await put_settings(world, channel, admin)
    await _listed(world, channel, admin, await world.sku())
    switch = settings_body(
        per_location=True, feed_locations=[{"location": store.code, "partner_location_id": "P"}]
    )
    response = await world.client.put(f"/channels/{channel.code}/sync", json=switch, headers=admin)
    assert response.status_code == 409
    assert "per_location" in response.json()["detail"]
    after = (await world.client.get(f"/channels/{channel.code}/sync", headers=admin)).json()
    assert after == before | {"listings_marked": 0}


async def test_delete_disables_and_keeps_the_listings(world: World) -> None:
    admin = await world.token("admin")
    channel = await world.channel()
    await put_settings(world, channel, admin)
    ids = await _listed(world, channel, admin, await world.sku())
    deleted = await world.client.delete(f"/channels/{channel.code}/sync", headers=admin)
    assert deleted.status_code == 200
    assert deleted.json()["enabled"] is False
    read = (await world.client.get(f"/channels/{channel.code}/sync", headers=admin)).json()
    assert read["enabled"] is False
    assert [row["id"] for row in await listing_rows(world, channel)] == ids
    row = await sync_row(world, channel)
    assert row is not None
    assert row["enabled"] is False
    other = await world.channel()
    assert (
        await world.client.delete(f"/channels/{other.code}/sync", headers=admin)
    ).status_code == 404


async def test_a_resync_publishes_every_listing_of_that_channel_again(world: World) -> None:
    admin = await world.token("admin")
    channel, other = await world.channel(), await world.channel()
    for each in (channel, other):
        await put_settings(world, each, admin)
        await _listed(world, each, admin, await world.sku(), await world.sku())
        await mark_all_synced(world, each)

    answer = await world.client.post(f"/channels/{channel.code}/sync/resync", headers=admin)

    assert answer.status_code == 200, answer.text
    assert answer.json() == {"channel": channel.code, "listings": 2}
    rows = await listing_rows(world, channel)
    # Pending and forced: published again even though no quantity changed.
    assert [(r["pending_seq"] > r["synced_seq"], r["force_push"]) for r in rows] == [
        (True, True),
        (True, True),
    ]
    assert await _states(world, channel, admin) == {"pending"}
    untouched = await listing_rows(world, other)
    assert [(r["pending_seq"] > r["synced_seq"], r["force_push"]) for r in untouched] == [
        (False, False),
        (False, False),
    ]
