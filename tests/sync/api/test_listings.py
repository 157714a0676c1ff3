"""A channel's listings through the API: creating one, a file or every active SKU; reading
them with their state and the quantity we would publish now; deleting."""

from __future__ import annotations

import json
from typing import Any

from oms.db.models import Channel
from oms.domain.channel_sync import QuantityPolicy, publishable
from tests.support.pages import read_all_pages
from tests.support.sync_settings import listing_rows, mark_all_synced, put_settings
from tests.support.world import World


def _url(channel: Channel, tail: str = "") -> str:
    return f"/channels/{channel.code}/listings{tail}"


async def _post(world: World, channel: Channel, headers: dict[str, str], **body: Any) -> Any:
    return await world.client.post(_url(channel), json=body, headers=headers)


async def test_a_network_listing_is_pending_under_our_sku_at_the_partner_location(
    world: World,
) -> None:
    admin = await world.token("admin")
    channel = await world.channel()
    await put_settings(world, channel, admin, partner_location_id="P-NET")
    sku = await world.sku()
    created = await _post(world, channel, admin, sku=sku.code, partner_item_id="item-7")
    assert created.status_code == 201, created.text
    (item,) = created.json()["items"]
    assert item["sku"] == sku.code
    assert item["partner_sku"] == sku.code
    assert item["location"] is None
    assert item["partner_location_id"] == "P-NET"
    assert item["partner_item_id"] == "item-7"
    assert item["state"] == "pending"
    assert item["published_qty"] is None
    got = await world.client.get(_url(channel, f"/{item['id']}"), headers=admin)
    assert got.json() == item
    (row,) = await listing_rows(world, channel)
    assert row["pending_seq"] > row["synced_seq"]

    again = await _post(world, channel, admin, sku=sku.code, partner_sku="OTHER")
    assert again.status_code == 409
    assert len(await listing_rows(world, channel)) == 1
    unknown = await _post(world, channel, admin, sku="NOPE-sku")
    assert unknown.status_code == 404
    at_store = await _post(
        world, channel, admin, sku=sku.code, location=(await world.location()).code
    )
    assert at_store.status_code == 422
    assert "location" in at_store.json()["detail"]


async def test_a_channel_without_sync_settings_takes_no_listings(world: World) -> None:
    admin = await world.token("admin")
    channel = await world.channel()
    refused = await _post(world, channel, admin, sku=(await world.sku()).code)
    assert refused.status_code == 409
    assert "PUT /channels/" in refused.json()["detail"]
    assert await listing_rows(world, channel) == []


async def test_per_location_listings_expand_to_every_feeding_location(world: World) -> None:
    admin = await world.token("admin")
    store_a, store_b, elsewhere = [await world.location() for _ in range(3)]
    channel = await world.channel()
    feeds = [
        {"location": store_a.code, "partner_location_id": "P-A"},
        {"location": store_b.code, "partner_location_id": "P-B"},
    ]
    await put_settings(world, channel, admin, per_location=True, feed_locations=feeds)
    sku, one = await world.sku(), await world.sku()
    created = await _post(world, channel, admin, sku=sku.code, partner_sku="THEIRS-1")
    assert created.status_code == 201, created.text
    placed = {
        (i["location"], i["partner_location_id"], i["partner_sku"]) for i in created.json()["items"]
    }
    assert placed == {(store_a.code, "P-A", "THEIRS-1"), (store_b.code, "P-B", "THEIRS-1")}

    only_b = await _post(world, channel, admin, sku=one.code, location=store_b.code)
    assert [(i["location"], i["partner_location_id"]) for i in only_b.json()["items"]] == [
        (store_b.code, "P-B")
    ]
    not_fed = await _post(world, channel, admin, sku=one.code, location=elsewhere.code)
    assert not_fed.status_code == 422
    # One of the two exists already: nothing is created.
    both = await _post(world, channel, admin, sku=one.code)
    assert both.status_code == 409
    assert len(await listing_rows(world, channel)) == 3


async def test_a_csv_import_creates_listings_and_a_second_run_skips_them(world: World) -> None:
    admin = await world.token("admin")
    channel = await world.channel()
    await put_settings(world, channel, admin, partner_location_id="P")
    a, b, c = [await world.sku() for _ in range(3)]
    csv = f"sku,partner_sku,partner_item_id\n{a.code},,\n{b.code},B-THEIRS,item-b\n\n{c.code},,\n"
    headers = admin | {"Content-Type": "text/csv"}
    first = await world.client.post(_url(channel, "/import"), content=csv, headers=headers)
    assert first.status_code == 201, first.text
    assert first.json() == {"created": 3, "skipped": 0}
    second = await world.client.post(_url(channel, "/import"), content=csv, headers=headers)
    assert second.json() == {"created": 0, "skipped": 3}
    items = await read_all_pages(world.client, _url(channel), admin, 10)
    by_sku = {item["sku"]: item for item in items}
    assert set(by_sku) == {a.code, b.code, c.code}
    assert by_sku[b.code]["partner_sku"] == "B-THEIRS"
    assert by_sku[b.code]["partner_item_id"] == "item-b"
    assert by_sku[a.code]["partner_sku"] == a.code
    assert by_sku[a.code]["partner_item_id"] is None


async def test_a_json_lines_import_expands_per_location_rows(world: World) -> None:
    admin = await world.token("admin")
    store_a, store_b = await world.location(), await world.location()
    channel = await world.channel()
    feeds = [
        {"location": store_a.code, "partner_location_id": "P-A"},
        {"location": store_b.code, "partner_location_id": "P-B"},
    ]
    await put_settings(world, channel, admin, per_location=True, feed_locations=feeds)
    a, b = await world.sku(), await world.sku()
    lines = [{"sku": a.code}, {"sku": b.code, "location": store_a.code, "partner_sku": "B1"}]
    body = "\n".join(json.dumps(line) for line in lines)
    headers = admin | {"Content-Type": "application/x-ndjson"}
    response = await world.client.post(_url(channel, "/import"), content=body, headers=headers)
    assert response.status_code == 201, response.text
    assert response.json() == {"created": 3, "skipped": 0}
    rows = {
        (r["sku_id"], r["location_id"], r["partner_location_id"], r["partner_sku"])
        for r in await listing_rows(world, channel)
    }
    assert rows == {
        (a.id, store_a.id, "P-A", a.code),
        (a.id, store_b.id, "P-B", a.code),
        (b.id, store_a.id, "P-A", "B1"),
    }


async def test_bad_import_lines_are_all_reported_in_one_400_and_nothing_is_written(
    world: World,
) -> None:
    admin = await world.token("admin")
    channel = await world.channel()
    await put_settings(world, channel, admin, partner_location_id="P")
    good, store = await world.sku(), await world.location()
    lines = [
        json.dumps({"sku": good.code}),  # 1: good
        json.dumps({"sku": "NOPE-sku"}),  # 2: unknown SKU
        "{not json",  # 3
        json.dumps({"sku": good.code, "colour": "red"}),  # 4: unknown field
        json.dumps({"sku": 5}),  # 5: wrong type
        json.dumps({"sku": good.code, "location": store.code}),  # 6: network channel
        json.dumps({"sku": good.code, "partner_sku": "X"}),  # 7: listed by line 1
        "[1, 2]",  # 8: not an object
    ]
    headers = admin | {"Content-Type": "application/x-ndjson"}
    response = await world.client.post(
        _url(channel, "/import"), content="\n".join(lines), headers=headers
    )
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["code"] == "invalid_rows"
    assert [row["line"] for row in problem["extra"]["rows"]] == [2, 3, 4, 5, 6, 7, 8]
    assert problem["extra"]["invalid"] == 7
    reasons = {row["line"]: row["reason"] for row in problem["extra"]["rows"]}
    assert "NOPE-sku" in reasons[2]
    assert "colour" in reasons[4]
    assert "line 1" in reasons[7]
    assert await listing_rows(world, channel) == []


async def test_bad_csv_files(world: World) -> None:
    admin = await world.token("admin")
    channel = await world.channel()
    await put_settings(world, channel, admin, partner_location_id="P")
    sku = await world.sku()
    headers = admin | {"Content-Type": "text/csv"}
    for body, line, says in [
        ("code,partner_sku\nX,Y\n", 1, "header"),
        ("", 1, "empty"),
        (f"sku,partner_sku\n{sku.code},A,B\n{sku.code}\n", 2, "fields"),
        ("sku\nbad code!\n", 2, "sku"),
    ]:
        response = await world.client.post(_url(channel, "/import"), content=body, headers=headers)
        assert response.status_code == 400, (body, response.text)
        first = response.json()["extra"]["rows"][0]
        assert first["line"] == line, (body, first)
        assert says in first["reason"], (body, first)
    wrong_type = await world.client.post(
        _url(channel, "/import"), content="sku\nA\n", headers=admin | {"Content-Type": "text/plain"}
    )
    assert wrong_type.status_code == 415
    assert await listing_rows(world, channel) == []


async def test_all_active_skus_lists_the_rest_once(world: World) -> None:
    admin = await world.token("admin")
    channel = await world.channel()
    await put_settings(world, channel, admin, partner_location_id="P")
    listed, inactive = await world.sku(), await world.sku(active=False)
    await _post(world, channel, admin, sku=listed.code, partner_sku="MINE")
    first = await world.client.post(_url(channel, "/all-active-skus"), headers=admin)
    assert first.status_code == 201, first.text
    skus = {r["sku_id"]: r for r in await listing_rows(world, channel)}
    assert listed.id in skus
    assert inactive.id not in skus
    assert skus[listed.id]["partner_sku"] == "MINE"  # an existing listing is left as it is
    assert first.json()["skipped"] == 1
    assert first.json()["created"] == len(skus) - 1
    second = (await world.client.post(_url(channel, "/all-active-skus"), headers=admin)).json()
    assert second == {"created": 0, "skipped": len(skus)}


async def test_the_list_filters_by_state_and_sku_and_pages(world: World) -> None:
    admin = await world.token("admin")
    channel = await world.channel()
    await put_settings(world, channel, admin, partner_location_id="P")
    skus = [await world.sku() for _ in range(5)]
    for sku in skus:
        await _post(world, channel, admin, sku=sku.code)
    await mark_all_synced(world, channel)
    rows = await listing_rows(world, channel)
    async with world.sessionmaker() as session, session.begin():
        from sqlalchemy import text

        # One pending again, one failing (pending after a refused push).
        await session.execute(
            text("UPDATE channel_listing SET pending_seq = pending_seq + 1 WHERE id = ANY(:ids)"),
            {"ids": [rows[0]["id"], rows[1]["id"]]},
        )
        await session.execute(
            text("UPDATE channel_listing SET last_error = 'refused', attempts = 2 WHERE id = :id"),
            {"id": rows[1]["id"]},
        )
    everything = await read_all_pages(world.client, _url(channel), admin, 2)
    assert [item["id"] for item in everything] == [row["id"] for row in rows]
    states = {item["sku"]: item["state"] for item in everything}
    assert states == {
        skus[0].code: "pending",
        skus[1].code: "failing",
        **{sku.code: "in_sync" for sku in skus[2:]},
    }
    failing = await read_all_pages(world.client, _url(channel), admin, 2, state="failing")
    assert [(i["sku"], i["last_error"], i["attempts"]) for i in failing] == [
        (skus[1].code, "refused", 2)
    ]
    in_sync = await read_all_pages(world.client, _url(channel), admin, 2, state="in_sync")
    assert [i["sku"] for i in in_sync] == [sku.code for sku in skus[2:]]
    one = await read_all_pages(world.client, _url(channel), admin, 2, sku=skus[3].code)
    assert [i["sku"] for i in one] == [skus[3].code]
    bad = await world.client.get(_url(channel), params={"state": "stale"}, headers=admin)
    assert bad.status_code == 400


async def test_an_unfolded_stock_change_shows_the_listing_pending(world: World) -> None:
    admin = await world.token("admin")
    store = await world.location()
    channel = await world.channel()
    await put_settings(world, channel, admin, partner_location_id="P")
    sku = await world.sku()
    await _post(world, channel, admin, sku=sku.code)
    await mark_all_synced(world, channel)
    assert [
        i["state"] for i in (await world.client.get(_url(channel), headers=admin)).json()["items"]
    ] == ["in_sync"]
    await world.stock(sku, store, 4)  # the stock gate signals the listed SKU
    (item,) = (await world.client.get(_url(channel), headers=admin)).json()["items"]
    assert item["state"] == "pending"
    assert item["quantity_now"] == 4


async def test_quantity_now_follows_the_channel_policy(world: World) -> None:
    admin = await world.token("admin")
    store_a, store_b, not_feeding = [await world.location() for _ in range(3)]
    channel = await world.channel()
    sku = await world.sku()
    # Sellable: a 30 - 5 safety = 25, b 12, the third store does not feed the channel.
    await world.stock(sku, store_a, 30, safety_stock=5)
    await world.stock(sku, store_b, 12)
    await world.stock(sku, not_feeding, 100)
    feeds = [{"location": store_a.code}, {"location": store_b.code}]
    # (buffer, percent, max_quantity, zero_at_or_below)
    policies: list[tuple[int, int, int | None, int]] = [
        (0, 100, None, 0),  # 37
        (7, 50, None, 0),  # 15
        (7, 50, 10, 0),  # 10
        (7, 50, None, 15),  # 0: at the threshold
        (40, 100, None, 0),  # 0: the buffer takes it all
    ]
    await put_settings(world, channel, admin, partner_location_id="P", feed_locations=feeds)
    listing_id = (await _post(world, channel, admin, sku=sku.code)).json()["items"][0]["id"]
    expected = []
    for buffer, percent, cap, zero_at in policies:
        pool = 25 + 12 - buffer
        quantity = pool * percent // 100 if pool > 0 else 0
        if cap is not None:
            quantity = min(quantity, cap)
        expected.append(0 if quantity <= zero_at else quantity)
    assert expected == [37, 15, 10, 0, 0]
    seen = []
    for buffer, percent, cap, zero_at in policies:
        policy = {
            "buffer": buffer,
            "percent": percent,
            "max_quantity": cap,
            "zero_at_or_below": zero_at,
        }
        await put_settings(
            world, channel, admin, partner_location_id="P", feed_locations=feeds, policy=policy
        )
        got = await world.client.get(_url(channel, f"/{listing_id}"), headers=admin)
        seen.append(got.json()["quantity_now"])
    assert seen == expected
    # And the pure policy agrees with the route.
    assert publishable([25, 12], QuantityPolicy(buffer=7, percent=50)) == 15


async def test_per_location_quantities_count_only_their_own_store(world: World) -> None:
    admin = await world.token("admin")
    store_a, store_b = await world.location(), await world.location()
    channel = await world.channel()
    sku = await world.sku()
    await world.stock(sku, store_a, 9)
    await world.stock(sku, store_b, 4, safety_stock=1)
    feeds = [
        {"location": store_a.code, "partner_location_id": "P-A"},
        {"location": store_b.code, "partner_location_id": "P-B"},
    ]
    await put_settings(
        world, channel, admin, per_location=True, feed_locations=feeds, policy={"buffer": 1}
    )
    items = (await _post(world, channel, admin, sku=sku.code)).json()["items"]
    assert {i["location"]: i["quantity_now"] for i in items} == {store_a.code: 8, store_b.code: 2}


async def test_delete_a_listing(world: World) -> None:
    admin = await world.token("admin")
    channel = await world.channel()
    await put_settings(world, channel, admin, partner_location_id="P")
    sku = await world.sku()
    listing_id = (await _post(world, channel, admin, sku=sku.code)).json()["items"][0]["id"]
    deleted = await world.client.delete(_url(channel, f"/{listing_id}"), headers=admin)
    assert deleted.status_code == 204
    assert (
        await world.client.get(_url(channel, f"/{listing_id}"), headers=admin)
    ).status_code == 404
    assert await listing_rows(world, channel) == []
    again = await world.client.delete(_url(channel, f"/{listing_id}"), headers=admin)
    assert again.status_code == 404
    # Another channel's listing id is not found through this channel.
    other = await world.channel()
    await put_settings(world, other, admin, partner_location_id="P")
    theirs = (await _post(world, other, admin, sku=sku.code)).json()["items"][0]["id"]
    assert (await world.client.get(_url(channel, f"/{theirs}"), headers=admin)).status_code == 404
    assert (
        await world.client.delete(_url(channel, f"/{theirs}"), headers=admin)
    ).status_code == 404
    assert len(await listing_rows(world, other)) == 1


async def test_an_import_over_5_mib_is_413_and_writes_nothing(world: World) -> None:
    admin = await world.token("admin")
    channel = await world.channel()
    await put_settings(world, channel, admin, partner_location_id="P")
    sku = await world.sku()
    line = f"{sku.code}\n".encode()
    body = b"sku\n" + line * (5 * 1024 * 1024 // len(line) + 1)
    response = await world.client.post(
        _url(channel, "/import"), content=body, headers=admin | {"Content-Type": "text/csv"}
    )
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("application/problem+json")
    assert await listing_rows(world, channel) == []


async def test_creating_with_an_idempotency_key_answers_the_first_result_again(
    world: World,
) -> None:
    admin = await world.token("admin")
    channel = await world.channel()
    await put_settings(world, channel, admin, partner_location_id="P")
    sku = await world.sku()
    headers = admin | {"Idempotency-Key": f"list-{sku.code}"}
    first = await world.client.post(_url(channel), json={"sku": sku.code}, headers=headers)
    again = await world.client.post(_url(channel), json={"sku": sku.code}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert len(await listing_rows(world, channel)) == 1
    csv_headers = headers | {"Idempotency-Key": f"file-{sku.code}", "Content-Type": "text/csv"}
    other = await world.sku()
    file = f"sku\n{other.code}\n"
    first_file = await world.client.post(
        _url(channel, "/import"), content=file, headers=csv_headers
    )
    again_file = await world.client.post(
        _url(channel, "/import"), content=file, headers=csv_headers
    )
    assert first_file.json() == again_file.json() == {"created": 1, "skipped": 0}
    assert again_file.headers["Idempotent-Replayed"] == "true"
