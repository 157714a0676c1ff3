"""Channel price lists through the HTTP API: set, read back, list, delete, import a file
with bad rows, and who may do each."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from oms.channels.price_schemas import MAX_PRICE
from tests.support.world import World, unique


async def _price_row(world: World, channel_id: int, sku_id: int) -> Any:
    async with world.sessionmaker() as session:
        return (
            await session.execute(
                text(
                    "SELECT amount, updated_by FROM channel_price"
                    " WHERE channel_id = :c AND sku_id = :s"
                ),
                {"c": channel_id, "s": sku_id},
            )
        ).one_or_none()


async def test_a_price_set_is_read_back_in_the_channels_currency(world: World) -> None:
    admin = await world.token("admin")
    channel, sku = await world.channel(currency="EUR"), await world.sku()
    url = f"/channels/{channel.code}/prices/{sku.code}"

    put = await world.client.put(url, json={"amount": 4999}, headers=admin)

    assert put.status_code == 200, put.text
    assert put.json()["amount"] == 4999
    read = (await world.client.get(url, headers=admin)).json()
    assert (read["sku"], read["amount"], read["currency"]) == (sku.code, 4999, "EUR")
    assert read["updated_by"].startswith("admin:")
    assert (await _price_row(world, channel.id, sku.id)).amount == 4999

    # A second PUT replaces the price (one row per channel and SKU).
    again = await world.client.put(url, json={"amount": 3999}, headers=admin)
    assert again.json()["amount"] == 3999
    assert (await world.client.get(url, headers=admin)).json()["amount"] == 3999


@pytest.mark.parametrize(
    "body",
    [{"amount": -1}, {"amount": MAX_PRICE + 1}, {"amount": 12.5}, {"amount": "100"}, {}],
)
async def test_amounts_are_whole_minor_units_within_bounds(
    world: World, body: dict[str, Any]
) -> None:
    admin = await world.token("admin")
    channel, sku = await world.channel(), await world.sku()
    refused = await world.client.put(
        f"/channels/{channel.code}/prices/{sku.code}", json=body, headers=admin
    )
    assert refused.status_code == 400, refused.text
    assert await _price_row(world, channel.id, sku.id) is None


async def test_unknown_channel_or_sku_is_404_and_an_inactive_sku_is_refused(world: World) -> None:
    admin = await world.token("admin")
    channel, sku = await world.channel(), await world.sku()
    retired = await world.sku(active=False)
    body = {"amount": 100}

    no_channel = await world.client.put(
        f"/channels/{unique('NOPE')}/prices/{sku.code}", json=body, headers=admin
    )
    no_sku = await world.client.put(
        f"/channels/{channel.code}/prices/{unique('NOPE')}", json=body, headers=admin
    )
    inactive = await world.client.put(
        f"/channels/{channel.code}/prices/{retired.code}", json=body, headers=admin
    )

    assert (no_channel.status_code, no_channel.json()["code"]) == (404, "not_found")
    assert (no_sku.status_code, no_sku.json()["code"]) == (404, "not_found")
    assert (inactive.status_code, inactive.json()["code"]) == (409, "invalid_state")
    assert "inactive" in inactive.json()["detail"]
    assert await _price_row(world, channel.id, retired.id) is None
    unpriced = await world.client.get(f"/channels/{channel.code}/prices/{sku.code}", headers=admin)
    assert unpriced.status_code == 404


async def test_list_filters_and_pages_by_sku_code(world: World) -> None:
    admin = await world.token("admin")
    channel = await world.channel()
    prefix = unique("P")
    skus = [await world.sku(code=f"{prefix}-{n}") for n in range(3)]
    other = await world.sku()
    for n, sku in enumerate([*skus, other]):
        await world.client.put(
            f"/channels/{channel.code}/prices/{sku.code}", json={"amount": 100 + n}, headers=admin
        )
    url = f"/channels/{channel.code}/prices"

    first = (await world.client.get(url, params={"limit": 2}, headers=admin)).json()
    rest = (
        await world.client.get(
            url, params={"limit": 2, "cursor": first["next_cursor"]}, headers=admin
        )
    ).json()
    by_prefix = (await world.client.get(url, params={"sku_prefix": prefix}, headers=admin)).json()
    named = (
        await world.client.get(url, params={"sku": [skus[2].code, other.code]}, headers=admin)
    ).json()

    every = [p["sku"] for p in first["items"] + rest["items"]]
    assert every == sorted(s.code for s in [*skus, other])
    assert rest["next_cursor"] is None
    assert [p["sku"] for p in by_prefix["items"]] == [s.code for s in skus]
    assert {p["sku"]: p["amount"] for p in named["items"]} == {skus[2].code: 102, other.code: 103}


async def test_delete_removes_the_price(world: World) -> None:
    admin = await world.token("admin")
    channel, sku = await world.channel(), await world.sku()
    url = f"/channels/{channel.code}/prices/{sku.code}"
    await world.client.put(url, json={"amount": 250}, headers=admin)

    deleted = await world.client.delete(url, headers=admin)

    assert deleted.status_code == 204
    assert await _price_row(world, channel.id, sku.id) is None
    assert (await world.client.get(url, headers=admin)).status_code == 404
    assert (await world.client.delete(url, headers=admin)).status_code == 404


async def test_import_applies_good_rows_and_reports_bad_ones(world: World) -> None:
    admin = await world.token("admin")
    channel = await world.channel()
    a, b, c = await world.sku(), await world.sku(), await world.sku()
    retired = await world.sku(active=False)
    await world.client.put(
        f"/channels/{channel.code}/prices/{c.code}", json={"amount": 1}, headers=admin
    )
    missing = unique("NOPE")
    csv_file = "\n".join(
        [
            "sku,amount",
            f"{a.code},1299",  # line 2
            f"{missing},500",  # line 3: unknown SKU
            f"{b.code},12.99",  # line 4: not minor units
            f"{retired.code},100",  # line 5: inactive
            f"{c.code},2500",  # line 6: replaces the earlier price
            f"{a.code},1",  # line 7: priced by line 2
        ]
    )

    answer = await world.client.post(
        f"/channels/{channel.code}/prices/import",
        content=csv_file.encode(),
        headers={**admin, "Content-Type": "text/csv"},
    )

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["applied"], body["rejected"], body["currency"]) == (2, 4, "GBP")
    assert [e["line"] for e in body["errors"]] == [3, 4, 5, 7]
    assert missing in body["errors"][0]["reason"]
    assert "inactive" in body["errors"][2]["reason"]
    assert "line 2" in body["errors"][3]["reason"]
    assert (await _price_row(world, channel.id, a.id)).amount == 1299
    assert (await _price_row(world, channel.id, c.id)).amount == 2500
    assert await _price_row(world, channel.id, b.id) is None
    assert await _price_row(world, channel.id, retired.id) is None


async def test_import_takes_json_lines(world: World) -> None:
    admin = await world.token("admin")
    channel, sku = await world.channel(), await world.sku()
    lines = f'{{"sku": "{sku.code}", "amount": 899}}\n{{"sku": "x", "amount": -5}}\nnot json\n'

    answer = await world.client.post(
        f"/channels/{channel.code}/prices/import",
        content=lines.encode(),
        headers={**admin, "Content-Type": "application/x-ndjson"},
    )

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["applied"], body["rejected"]) == (1, 2)
    assert [e["line"] for e in body["errors"]] == [2, 3]
    read = await world.client.get(f"/channels/{channel.code}/prices/{sku.code}", headers=admin)
    assert read.json()["amount"] == 899


async def test_an_unreadable_file_changes_nothing(world: World) -> None:
    admin = await world.token("admin")
    channel, sku = await world.channel(), await world.sku()
    url = f"/channels/{channel.code}/prices/import"
    bad_header = await world.client.post(
        url,
        content=f"sku,price\n{sku.code},100".encode(),
        headers={**admin, "Content-Type": "text/csv"},
    )
    wrong_type = await world.client.post(
        url, content=b"{}", headers={**admin, "Content-Type": "application/xml"}
    )
    assert (bad_header.status_code, bad_header.json()["code"]) == (422, "invalid_input")
    assert wrong_type.status_code in {415, 422}
    assert await _price_row(world, channel.id, sku.id) is None


@pytest.mark.parametrize("role", ["store_manager", "associate", "integration"])
async def test_only_admins_write_prices(world: World, role: str) -> None:
    store = await world.location()
    channel, sku = await world.channel(), await world.sku()
    admin = await world.token("admin")
    headers = await world.token(
        role,
        (store,) if role != "integration" else (),
        channel=channel.code if role == "integration" else None,
    )
    url = f"/channels/{channel.code}/prices/{sku.code}"
    await world.client.put(url, json={"amount": 700}, headers=admin)

    put = await world.client.put(url, json={"amount": 1}, headers=headers)
    deleted = await world.client.delete(url, headers=headers)
    imported = await world.client.post(
        f"/channels/{channel.code}/prices/import",
        content=f"sku,amount\n{sku.code},1".encode(),
        headers={**headers, "Content-Type": "text/csv"},
    )

    assert [put.status_code, deleted.status_code, imported.status_code] == [403, 403, 403]
    assert (await _price_row(world, channel.id, sku.id)).amount == 700


@pytest.mark.parametrize(
    ("role", "status"),
    [("admin", 200), ("store_manager", 200), ("associate", 200), ("integration", 403)],
)
async def test_admins_and_store_staff_read_prices(world: World, role: str, status: int) -> None:
    store = await world.location()
    channel, sku = await world.channel(), await world.sku()
    admin = await world.token("admin")
    scoped = role in {"store_manager", "associate"}
    headers = await world.token(
        role,
        (store,) if scoped else (),
        channel=channel.code if role == "integration" else None,
    )
    await world.client.put(
        f"/channels/{channel.code}/prices/{sku.code}", json={"amount": 700}, headers=admin
    )

    one = await world.client.get(f"/channels/{channel.code}/prices/{sku.code}", headers=headers)
    every = await world.client.get(f"/channels/{channel.code}/prices", headers=headers)

    assert (one.status_code, every.status_code) == (status, status)
    if status == 200:
        assert one.json()["amount"] == 700
        assert [p["sku"] for p in every.json()["items"]] == [sku.code]


async def test_a_list_names_at_most_a_hundred_skus(world: World) -> None:
    admin = await world.token("admin")
    channel = await world.channel()
    url = f"/channels/{channel.code}/prices"
    too_many = await world.client.get(
        url, params={"sku": [f"S{n}" for n in range(101)]}, headers=admin
    )
    enough = await world.client.get(
        url, params={"sku": [f"S{n}" for n in range(100)]}, headers=admin
    )
    assert too_many.status_code == 400
    assert (enough.status_code, enough.json()["items"]) == (200, [])
